// @vitest-environment jsdom
import { cleanup, render, screen, waitFor, within } from '@testing-library/react'
import { userEvent } from '@testing-library/user-event'
import type { UserEvent } from '@testing-library/user-event'
import { afterEach, describe, expect, it, vi } from 'vitest'
import { ConnectedApp } from '../../../renderer/src/app.js'
import { BOB, OWN_PEER_ID, fakeEngine } from './fake-engine.js'
import type { FakeEngine } from './fake-engine.js'

let engine: FakeEngine
afterEach(() => {
  cleanup()
  engine.close()
  delete document.documentElement.dataset.theme
  vi.unstubAllGlobals()
})

/**
 * The browser's Notification permission, as a tab sees it: `now` until asked,
 * then whatever the person answers. jsdom has no Notification at all.
 */
function stubNotifications (now: NotificationPermission, answer: NotificationPermission): { asked: () => number } {
  let asked = 0
  vi.stubGlobal('Notification', class {
    static permission: NotificationPermission = now
    static async requestPermission (): Promise<NotificationPermission> {
      asked++
      this.permission = answer
      return answer
    }
  })
  return { asked: () => asked }
}

async function openPanel (button: 'Network' | 'Settings'): Promise<{ user: UserEvent, panel: HTMLElement }> {
  const user = userEvent.setup()
  render(<ConnectedApp client={engine.client} />)
  await user.click(await screen.findByRole('button', { name: button }))
  return { user, panel: await screen.findByTestId(button === 'Network' ? 'network-panel' : 'settings-panel') }
}

describe('network panel', () => {
  it('shows the node status and follows network events', async () => {
    engine = fakeEngine()
    const { panel } = await openPanel('Network')

    expect((await within(panel).findByTestId('own-peer-id')).textContent).toBe(OWN_PEER_ID)
    expect(panel.textContent).toContain('/ip4/127.0.0.1/tcp/4001')
    expect(within(panel).getByTestId('nat-status').textContent).toBe('Local network only')

    engine.server.emit('network', {
      ...engine.state.status,
      nat: 'relayed',
      connections: [{ peerId: BOB, address: '/ip4/10.0.0.2/tcp/4001', direction: 'outbound', limited: true }],
      relayReservations: [BOB],
      dhtRoutingTableSize: 7
    })

    await waitFor(() => { expect(within(panel).getByTestId('nat-status').textContent).toBe('Reachable through a relay') })
    expect(within(panel).getByTestId('connection-count').textContent).toBe('1')
    expect(within(panel).getByTestId('dht-size').textContent).toBe('7 peers')
    expect(within(panel).getByRole('table').textContent).toContain('/ip4/10.0.0.2/tcp/4001')
  })
})

describe('settings panel', () => {
  it('applies the theme at once and saves it', async () => {
    engine = fakeEngine()
    const { user, panel } = await openPanel('Settings')

    await user.click(await within(panel).findByRole('radio', { name: 'Dark' }))
    await waitFor(() => { expect(document.documentElement.dataset.theme).toBe('dark') })
    expect(engine.callsOf('setSettings')).toEqual([{ theme: 'dark' }])

    await user.click(within(panel).getByRole('radio', { name: 'System' }))
    await waitFor(() => { expect(document.documentElement.dataset.theme).toBeUndefined() })
  })

  it('says which relay line is wrong, and keeps what was typed', async () => {
    engine = fakeEngine()
    const { user, panel } = await openPanel('Settings')

    const relays = await within(panel).findByRole('textbox', { name: 'Relays' })
    await user.type(relays, '/ip4/1.2.3.4/tcp/1{Enter}not-a-multiaddr')
    await user.click(within(panel).getByRole('button', { name: 'Save peer lists' }))

    expect((await within(panel).findByRole('alert')).textContent).toMatch(/^That was not accepted: relays, line 2: a multiaddr starts with "\/"/)
    expect(relays).toHaveProperty('value', '/ip4/1.2.3.4/tcp/1\nnot-a-multiaddr')
    expect(engine.callsOf('setSettings')).toEqual([])
  })

  it('says the peer lists hold only what was saved here, not what the device was started with', async () => {
    engine = fakeEngine()
    const { panel } = await openPanel('Settings')

    const description = (name: string): string => {
      const box = within(panel).getByRole('textbox', { name })
      return document.getElementById(box.getAttribute('aria-describedby') ?? '')?.textContent ?? ''
    }
    await within(panel).findByRole('textbox', { name: 'Bootstrap peers' })
    expect(description('Bootstrap peers')).toMatch(/in addition to the\s+ones this device was started with/)
    expect(description('Relays')).toMatch(/started with, which are not listed here/)
  })

  it('keeps local-network discovery off until it is ticked', async () => {
    engine = fakeEngine()
    const { user, panel } = await openPanel('Settings')

    const mdns = await within(panel).findByRole('checkbox', { name: 'Find and announce peers on this network (mDNS)' })
    expect(mdns).toHaveProperty('checked', false)
    await user.click(mdns)
    await waitFor(() => { expect(engine.callsOf('setSettings')).toEqual([{ mdns: true }]) })
  })

  it('renames you and toggles notifications', async () => {
    engine = fakeEngine()
    stubNotifications('granted', 'granted')
    const { user, panel } = await openPanel('Settings')

    const name = await within(panel).findByRole('textbox', { name: 'Display name' })
    await user.clear(name)
    await user.type(name, 'Ada{Enter}')
    await user.click(within(panel).getByRole('checkbox', { name: 'Show notifications' }))

    await waitFor(() => {
      expect(engine.callsOf('setSettings')).toEqual([{ displayName: 'Ada' }, { notifications: { enabled: true, showContent: true } }])
    })
    expect(within(panel).getByRole('checkbox', { name: 'Show notifications' })).toHaveProperty('checked', true)
  })

  it('ticks "Show notifications" only once the browser allows them, and saves nothing on a no', async () => {
    engine = fakeEngine()
    const permission = stubNotifications('default', 'denied')
    const { user, panel } = await openPanel('Settings')
    const box = await within(panel).findByRole('checkbox', { name: 'Show notifications' })

    await user.click(box)

    expect(permission.asked()).toBe(1)
    expect(await within(panel).findByRole('alert')).toHaveProperty('textContent', 'Your browser blocks notifications from this page. Allow them in its site settings, then tick the box again.')
    expect(box).toHaveProperty('checked', false)
    expect(within(panel).getByRole('checkbox', { name: 'Show message text in notifications' })).toHaveProperty('disabled', true)
    expect(engine.callsOf('setSettings')).toEqual([])
  })

  it('shows notifications as off while the browser has not allowed them, whatever was saved', async () => {
    engine = fakeEngine()
    engine.state.settings = { ...engine.state.settings, notifications: { enabled: true, showContent: true } }
    const permission = stubNotifications('default', 'granted')
    const { user, panel } = await openPanel('Settings')
    const box = await within(panel).findByRole('checkbox', { name: 'Show notifications' })
    expect(box).toHaveProperty('checked', false)

    // Ticking it asks; a yes turns it on.
    await user.click(box)
    expect(permission.asked()).toBe(1)
    await waitFor(() => { expect(box).toHaveProperty('checked', true) })
  })
})

// @vitest-environment jsdom
import { cleanup, screen, waitFor, within } from '@testing-library/react'
import { afterEach, describe, expect, it } from 'vitest'
import { ALICE, contact, fakeEngine } from './fake-engine.js'
import { openConversation } from './render-app.js'
import type { FakeEngine } from './fake-engine.js'

let engine: FakeEngine
afterEach(() => {
  cleanup()
  engine.close()
})

async function openChatWithAlice (): Promise<Awaited<ReturnType<typeof openConversation>> & { composer: HTMLTextAreaElement }> {
  engine = fakeEngine({ contacts: new Map([[ALICE, contact(ALICE, 'Alice')]]) })
  const opened = await openConversation(engine, 'Alice')
  const composer = screen.getByRole('textbox', { name: 'Message' })
  if (!(composer instanceof HTMLTextAreaElement)) throw new Error('the composer is a textarea')
  return { ...opened, composer }
}

describe('composer', () => {
  it('sends on Enter, clears itself, and shows the message with its status', async () => {
    const { user, log, composer } = await openChatWithAlice()

    await user.type(composer, 'hello there{Enter}')

    expect(engine.callsOf('send')).toEqual([{ peerId: ALICE, text: 'hello there' }])
    await waitFor(() => { expect(composer.value).toBe('') })
    const item = await within(log).findByRole('listitem')
    expect(item.textContent).toContain('hello there')
    expect(item.querySelector('[data-status]')?.getAttribute('data-status')).toBe('queued')
  })

  it('sends with the Send button too', async () => {
    const { user, composer } = await openChatWithAlice()
    await user.type(composer, 'by button')
    await user.click(screen.getByRole('button', { name: 'Send' }))
    expect(engine.callsOf('send')).toEqual([{ peerId: ALICE, text: 'by button' }])
  })

  it('starts a new line on Shift+Enter instead of sending', async () => {
    const { user, composer } = await openChatWithAlice()

    await user.type(composer, 'line one{Shift>}{Enter}{/Shift}line two')
    expect(composer.value).toBe('line one\nline two')
    expect(engine.callsOf('send')).toEqual([])

    await user.keyboard('{Enter}')
    expect(engine.callsOf('send')).toEqual([{ peerId: ALICE, text: 'line one\nline two' }])
  })

  it('sends nothing when the text is empty or only spaces', async () => {
    const { user, composer } = await openChatWithAlice()

    await user.click(composer)
    await user.keyboard('{Enter}')
    await user.type(composer, '   {Enter}')

    expect(engine.callsOf('send')).toEqual([])
    expect(screen.getByRole('button', { name: 'Send' })).toHaveProperty('disabled', true)
  })

  it('keeps the text and says why when sending fails', async () => {
    const { user, log, composer } = await openChatWithAlice()
    engine.failNext('send', 'peer_unreachable', 'no route to the peer')

    await user.type(composer, 'do not lose me{Enter}')

    const alert = await screen.findByRole('alert')
    expect(alert.textContent).toBe('Not sent — your text is still here. Could not reach them right now: no route to the peer.')
    expect(composer.value).toBe('do not lose me')
    expect(within(log).queryAllByRole('listitem')).toHaveLength(0)

    // Trying again works and clears the error.
    await user.keyboard('{Enter}')
    await waitFor(() => { expect(composer.value).toBe('') })
    expect(screen.queryByRole('alert')).toBeNull()
  })

  it('keeps a draft per conversation when switching away and back', async () => {
    const { user, composer } = await openChatWithAlice()
    await user.type(composer, 'half a thought')

    await user.click(screen.getByRole('button', { name: 'Network' }))
    await screen.findByTestId('network-panel')
    await user.click(within(screen.getByRole('list', { name: 'Conversations' })).getByRole('button', { name: /^Alice/ }))

    expect(await screen.findByRole('textbox', { name: 'Message' })).toHaveProperty('value', 'half a thought')
  })
})

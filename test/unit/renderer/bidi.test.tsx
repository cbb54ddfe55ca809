// @vitest-environment jsdom
import { cleanup, render, screen, waitFor, within } from '@testing-library/react'
import { userEvent } from '@testing-library/user-event'
import { afterEach, describe, expect, it, vi } from 'vitest'
import { ConnectedApp } from '../../../renderer/src/app.js'
import { displayText, isolate } from '../../../renderer/src/bidi.js'
import { ALICE, contact, fakeEngine, message } from './fake-engine.js'
// Gives the message log a height: jsdom does no layout, and the virtualiser renders no rows without one.
import './render-app.js'
import type { FakeEngine } from './fake-engine.js'

/**
 * Names and messages from other people are bidi-isolated wherever they sit
 * in our sentences, and shown without bidi formatting characters. (How they
 * then lay out is checked in real Chromium: test/e2e.)
 */
const RLO = '\u202e'
/** A contact name with a right-to-left override: unisolated, it reverses whatever follows it. */
const HOSTILE_NAME = `Eve${RLO}rewop`
const SHOWN_NAME = 'Everewop'
const SPOOF = `invoice_${RLO}txt.exe`
const ARABIC = 'مرحبا، كيف حالك؟'

let engine: FakeEngine | undefined
afterEach(() => {
  cleanup()
  engine?.close()
  engine = undefined
  vi.unstubAllGlobals()
})

/** Every `<bdi>` (or `dir="auto"` element) inside `root` whose text is exactly `text`. */
function isolatesWith (root: HTMLElement, text: string): Element[] {
  return Array.from(root.querySelectorAll('bdi, [dir="auto"]')).filter(el => el.textContent === text)
}

function expectIsolated (root: HTMLElement, text: string, where: string): void {
  expect(isolatesWith(root, text), where).not.toEqual([])
  expect(root.textContent, where).not.toContain(RLO)
}

async function renderWith (fields: Parameters<typeof contact>[2] = {}, notifications = { enabled: false, showContent: true }): Promise<ReturnType<typeof userEvent.setup>> {
  engine = fakeEngine({
    contacts: new Map([[ALICE, contact(ALICE, HOSTILE_NAME, fields)]]),
    messages: [message(ALICE, ARABIC, { outgoing: false, sentAt: Date.now() - 2000 }), message(ALICE, SPOOF, { outgoing: false, sentAt: Date.now() - 1000 })]
  })
  engine.state.settings = { ...engine.state.settings, displayName: `Me${RLO}em`, notifications }
  const user = userEvent.setup()
  render(<ConnectedApp client={engine.client} />)
  await screen.findByRole('list', { name: 'Conversations' })
  await waitFor(() => { expect(isolatesWith(screen.getByRole('list', { name: 'Conversations' }), SHOWN_NAME)).not.toEqual([]) })
  return user
}

describe('text from other people', () => {
  it('loses its bidi formatting characters when shown, and is wrapped in FSI…PDI in plain strings', () => {
    expect(displayText(SPOOF)).toBe('invoice_txt.exe')
    expect(displayText('a\u202ab\u202bc\u202cd\u202de\u202ef\u2066g\u2067h\u2068i\u2069j')).toBe('abcdefghij')
    // Marks (LRM, RLM) reorder nothing by themselves and are kept.
    expect(displayText('a\u200eb\u200fc')).toBe('a\u200eb\u200fc')
    expect(isolate(HOSTILE_NAME)).toBe(`\u2068${SHOWN_NAME}\u2069`)
  })

  it('is isolated in the chat list, the header, the message log, the composer and your own name', async () => {
    const user = await renderWith()
    const list = screen.getByRole('list', { name: 'Conversations' })
    expectIsolated(list, SHOWN_NAME, 'chat list name')
    expectIsolated(list, 'invoice_txt.exe', 'chat list preview')
    expectIsolated(screen.getByTestId('chat-list').querySelector('.me-name') as HTMLElement, `Meem`, 'own display name')

    await user.click(within(list).getByRole('button', { name: new RegExp(`^${SHOWN_NAME}`) }))
    const heading = await screen.findByRole('heading', { name: SHOWN_NAME })
    expectIsolated(heading, SHOWN_NAME, 'conversation header')

    const log = screen.getByRole('log', { name: 'Messages' })
    await waitFor(() => { expect(log.querySelectorAll('.message-text')).toHaveLength(2) })
    const texts = Array.from(log.querySelectorAll('.message-text'))
    expect(texts.map(p => p.getAttribute('dir'))).toEqual(['auto', 'auto'])
    expect(texts.map(p => p.textContent)).toEqual([ARABIC, 'invoice_txt.exe'])

    const composer = screen.getByRole('textbox', { name: 'Message' })
    expect(composer.getAttribute('dir')).toBe('auto')
    expect(composer.getAttribute('placeholder')).toBe(`Message \u2068${SHOWN_NAME}\u2069`)
    expect(screen.getByRole('searchbox', { name: 'Search messages' }).getAttribute('dir')).toBe('auto')
  })

  it('is isolated in contact info, the safety-number sentence, the remove dialog and the rename field', async () => {
    const user = await renderWith({ identityChanged: true })
    await user.click(within(screen.getByRole('list', { name: 'Conversations' })).getByRole('button', { name: new RegExp(`^${SHOWN_NAME}`) }))
    expectIsolated(await screen.findByRole('alert'), SHOWN_NAME, 'identity-changed notice in the chat')
    await user.click(screen.getByRole('button', { name: 'Contact info' }))
    const view = await screen.findByTestId('contact-view')

    expectIsolated(within(view).getByRole('heading', { level: 2 }), SHOWN_NAME, 'contact heading')
    expectIsolated(within(view).getByTestId('safety-number'), SHOWN_NAME, 'safety-number sentence')
    expectIsolated(within(view).getByRole('alert'), SHOWN_NAME, 'identity-changed notice')

    await user.click(within(view).getByRole('button', { name: 'Remove contact' }))
    const dialog = screen.getByRole('alertdialog', { name: `Remove ${SHOWN_NAME}?` })
    expectIsolated(within(dialog).getByRole('heading'), SHOWN_NAME, 'remove dialog title')
    expect(isolatesWith(dialog, SHOWN_NAME).length, 'remove dialog title and text').toBe(2)
    await user.click(within(dialog).getByRole('button', { name: 'Cancel' }))

    await user.click(within(view).getByRole('button', { name: 'Rename' }))
    expect(within(view).getByRole('textbox', { name: 'New name' }).getAttribute('dir')).toBe('auto')
  })

  it('is isolated in search results', async () => {
    const user = await renderWith()
    await user.type(screen.getByRole('searchbox', { name: 'Search messages' }), 'invoice')
    const results = await screen.findByRole('list', { name: 'Search results' })
    await waitFor(() => { expect(isolatesWith(results, SHOWN_NAME)).not.toEqual([]) })
    expectIsolated(results, 'invoice_txt.exe', 'search snippet')
  })

  it('reaches notifications without bidi formatting characters', async () => {
    const shown: Array<{ title: string, body: string | undefined }> = []
    vi.stubGlobal('Notification', class {
      static permission = 'granted'
      constructor (title: string, options: { body?: string }) { shown.push({ title, body: options.body }) }
      addEventListener (): void {}
    })
    await renderWith({}, { enabled: true, showContent: true })
    await waitFor(() => { expect(engine?.callsOf('getSettings')).toHaveLength(1) })
    await screen.findByTestId('invite-panel')

    engine?.server.emit('message', message(ALICE, `see ${SPOOF}`, { outgoing: false }))

    await waitFor(() => { expect(shown).toEqual([{ title: SHOWN_NAME, body: 'see invoice_txt.exe' }]) })
  })
})

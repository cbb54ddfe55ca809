// @vitest-environment jsdom
import { cleanup, screen, waitFor, within } from '@testing-library/react'
import { afterEach, describe, expect, it } from 'vitest'
import { MAX_TEXT_BYTES } from '../../../core/api/text-rules.js'
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

/** The line under the composer that counts and explains; a live region. */
function composerNote (): HTMLElement {
  const note = document.querySelector('.composer-note')
  if (!(note instanceof HTMLElement)) throw new Error('no composer note')
  return note
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

  it('counts the limit in UTF-8 bytes, as the engine does, and says so before sending', async () => {
    const { user, composer } = await openChatWithAlice()
    const send = screen.getByRole('button', { name: 'Send' })

    // 17,000 Cyrillic letters: 17,000 characters, 34,000 bytes.
    await user.click(composer)
    await user.paste('я'.repeat(17_000))
    expect(composer.value).toHaveLength(17_000)
    const note = composerNote()
    expect(note.getAttribute('role')).toBe('status')
    expect(composer.getAttribute('aria-describedby')).toContain(note.id)
    expect(note.textContent).toMatch(/^Too long to send: 1.232 bytes over the limit of 32.768\. Shorten it to send\.$/)
    expect(composer.getAttribute('aria-invalid')).toBe('true')
    expect(send).toHaveProperty('disabled', true)
    await user.keyboard('{Enter}')
    expect(engine.callsOf('send')).toEqual([])

    // Exactly at the limit it goes, and the count said how close it was.
    await user.clear(composer)
    await user.paste('я'.repeat(MAX_TEXT_BYTES / 2 - 10))
    expect(note.textContent).toBe('20 bytes left (a letter takes 1 to 4).')
    await user.paste('я'.repeat(10))
    expect(note.textContent).toBe('0 bytes left (a letter takes 1 to 4).')
    expect(send).toHaveProperty('disabled', false)
    await user.keyboard('{Enter}')
    await waitFor(() => { expect(engine.callsOf('send')).toHaveLength(1) })
    expect((engine.callsOf('send')[0] as { text: string }).text).toHaveLength(MAX_TEXT_BYTES / 2)
  })

  it('says at once why text with a control character or nothing visible cannot go', async () => {
    const { user, composer } = await openChatWithAlice()
    await user.click(composer)
    await user.paste('a\u0000b')
    expect(composerNote().textContent).toBe('Cannot send this: the message contains an invisible control character (U+0000); remove it and try again.')
    expect(screen.getByRole('button', { name: 'Send' })).toHaveProperty('disabled', true)

    await user.clear(composer)
    await user.paste('\u200b\u200b')
    expect(composerNote().textContent).toMatch(/^Cannot send this: the message has nothing visible in it/)
    await user.keyboard('{Enter}')
    expect(engine.callsOf('send')).toEqual([])
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

// @vitest-environment jsdom
import { cleanup, fireEvent, render, screen, waitFor, within } from '@testing-library/react'
import { userEvent } from '@testing-library/user-event'
import { afterEach, describe, expect, it } from 'vitest'
import { ConnectedApp } from '../../../renderer/src/app.js'
import { ALICE, OUTGOING_STATUSES, contact, fakeEngine, message } from './fake-engine.js'
import { openConversation } from './render-app.js'
import type { Message } from '../../../core/api/contract.js'
import type { FakeEngine } from './fake-engine.js'

const HOUR_MS = 60 * 60 * 1000

/** Times from local midnight: day separators follow the calendar, not 24-hour spans. */
function today (hours: number): number {
  const midnight = new Date()
  midnight.setHours(0, 0, 0, 0)
  return midnight.getTime() + hours * HOUR_MS
}
function yesterday (hours: number): number {
  const midnight = new Date()
  midnight.setHours(0, 0, 0, 0)
  midnight.setDate(midnight.getDate() - 1)
  return midnight.getTime() + hours * HOUR_MS
}

let engine: FakeEngine
afterEach(() => {
  cleanup()
  engine.close()
})

async function showConversation (messages: Message[]): Promise<Awaited<ReturnType<typeof openConversation>>> {
  engine = fakeEngine({ contacts: new Map([[ALICE, contact(ALICE, 'Alice')]]), messages })
  const opened = await openConversation(engine, 'Alice')
  await within(opened.log).findAllByRole('listitem')
  return opened
}

function itemWithText (log: HTMLElement, text: string): HTMLElement {
  const item = within(log).getAllByRole('listitem').find(element => element.textContent?.includes(text))
  if (item == null) throw new Error(`no message with "${text}"`)
  return item
}

describe('message list', () => {
  it('shows the status of each outgoing message as data-status and as text', async () => {
    const { log } = await showConversation(OUTGOING_STATUSES.map((status, i) => message(ALICE, `message ${status}`, { status, sentAt: today(1) + i })))

    for (const status of OUTGOING_STATUSES) {
      const label = itemWithText(log, `message ${status}`).querySelector('[data-status]')
      expect(label?.getAttribute('data-status')).toBe(status)
      expect(label?.textContent).toBe(status)
    }
  })

  it('shows no delivery status on incoming messages', async () => {
    const { log } = await showConversation([message(ALICE, 'from Alice', { outgoing: false, sentAt: today(1) })])
    expect(itemWithText(log, 'from Alice').querySelector('[data-status]')).toBeNull()
  })

  it('puts a day separator above the first message of each day', async () => {
    const { log } = await showConversation([
      message(ALICE, 'old one', { sentAt: yesterday(9) }),
      message(ALICE, 'old two', { sentAt: yesterday(10) }),
      message(ALICE, 'new one', { sentAt: today(1) }),
      message(ALICE, 'new two', { sentAt: today(2) })
    ])

    const separators = Array.from(log.querySelectorAll('.day-separator')).map(element => element.textContent)
    expect(separators).toEqual(['Yesterday', 'Today'])
    expect(itemWithText(log, 'old one').textContent).toContain('Yesterday')
    expect(itemWithText(log, 'new one').textContent).toContain('Today')
    expect(itemWithText(log, 'new two').querySelector('.day-separator')).toBeNull()
  })

  it('renders markup in a message as literal text, never as HTML', async () => {
    const hostile = '<img src=x onerror=alert(1)>'
    const { log } = await showConversation([message(ALICE, hostile, { outgoing: false, sentAt: today(1) })])

    expect(itemWithText(log, hostile).querySelector('.message-text')?.textContent).toBe(hostile)
    expect(document.querySelector('img')).toBeNull()
  })

  it('never turns javascript: into a link', async () => {
    const { log } = await showConversation([
      message(ALICE, 'javascript:alert(1)', { outgoing: false, sentAt: today(1) }),
      message(ALICE, 'click JAVASCRIPT:alert(1)//https://', { outgoing: false, sentAt: today(2) })
    ])

    expect(itemWithText(log, 'javascript:alert(1)').querySelector('a')).toBeNull()
    expect(within(log).queryAllByRole('link')).toHaveLength(0)
    expect(log.textContent).toContain('javascript:alert(1)')
  })

  it('links https URLs to open outside the app, without referrer or opener', async () => {
    const { log } = await showConversation([message(ALICE, 'see https://example.org.', { outgoing: false, sentAt: today(1) })])

    const link = within(log).getByRole('link', { name: 'https://example.org' })
    expect(link.getAttribute('href')).toBe('https://example.org/')
    expect(link.getAttribute('rel')).toBe('noopener noreferrer')
    expect(link.getAttribute('target')).toBe('_blank')
    expect(itemWithText(log, 'see').querySelector('.message-text')?.textContent).toBe('see https://example.org.')
  })

  it('updates a status live from messageStatus events', async () => {
    const queued = message(ALICE, 'on its way', { status: 'queued', sentAt: today(1) })
    const { log } = await showConversation([queued])

    engine.server.emit('messageStatus', { id: queued.id, peerId: ALICE, status: 'delivered' })

    await waitFor(() => { expect(itemWithText(log, 'on its way').querySelector('[data-status]')?.textContent).toBe('delivered') })
  })

  it('shows messages that arrive while the conversation is open', async () => {
    const { log } = await showConversation([message(ALICE, 'first', { sentAt: today(1) })])

    engine.server.emit('message', message(ALICE, 'fresh from Alice', { outgoing: false, sentAt: today(2) }))

    await waitFor(() => { expect(itemWithText(log, 'fresh from Alice')).toBeDefined() })
    expect(screen.getByText('Alice: fresh from Alice', { selector: '[role="status"]' })).toBeDefined()
  })

  it('retries a failed message by sending the same text again, and says so', async () => {
    const failed = message(ALICE, 'try me again', { status: 'failed', error: 'peer unreachable', sentAt: today(1) })
    const { user, log } = await showConversation([failed])

    const item = itemWithText(log, 'try me again')
    expect(item.textContent).toContain('Not delivered: peer unreachable.')
    await user.click(within(item).getByRole('button', { name: 'Retry' }))

    expect(engine.callsOf('send')).toEqual([{ peerId: ALICE, text: 'try me again' }])
    await waitFor(() => { expect(within(log).getAllByRole('listitem')).toHaveLength(2) })
    expect(itemWithText(log, 'Sent again as a new message').querySelector('[data-status]')?.textContent).toBe('failed')
  })

  it('marks the conversation read when it is open and visible', async () => {
    await showConversation([message(ALICE, 'unread news', { outgoing: false, unread: true, sentAt: today(1) })])

    await waitFor(() => { expect(engine.callsOf('markRead')).toEqual([{ peerId: ALICE }]) })
    await waitFor(() => { expect(screen.queryByTestId('unread-badge')).toBeNull() })
  })

  it('loads older pages when scrolled to the top, and stops at the first message', async () => {
    const history = Array.from({ length: 70 }, (_, i) => message(ALICE, `number ${i + 1}`, { sentAt: today(1) + i }))
    const { log } = await showConversation(history)
    expect(within(log).getAllByRole('listitem')).toHaveLength(50)

    fireEvent.scroll(log)
    await waitFor(() => { expect(engine.callsOf('messages')).toHaveLength(2) })
    // jsdom has no layout, so the virtualiser settles over a few renders: give it time.
    await waitFor(() => { expect(within(log).getAllByRole('listitem')[0].textContent).toContain('number 1') }, { timeout: 5_000 })
    fireEvent.scroll(log)

    expect(engine.callsOf('messages')).toEqual([
      { peerId: ALICE, limit: 50 },
      { peerId: ALICE, limit: 50, before: '50' }
    ])
  })
})

describe('chat list', () => {
  it('shows unread counts and the last message, and finds messages by search', async () => {
    engine = fakeEngine({
      contacts: new Map([[ALICE, contact(ALICE, 'Alice')]]),
      messages: [
        message(ALICE, 'lunch tomorrow?', { outgoing: false, unread: true, sentAt: today(1) }),
        message(ALICE, 'at noon', { outgoing: false, unread: true, sentAt: today(2) })
      ]
    })
    const user = userEvent.setup()
    render(<ConnectedApp client={engine.client} />)

    const list = await screen.findByRole('list', { name: 'Conversations' })
    const entry = await within(list).findByRole('button', { name: /^Alice/ })
    expect(within(entry).getByTestId('unread-badge').textContent).toBe('2')
    expect(entry.textContent).toContain('at noon')

    await user.type(screen.getByRole('searchbox', { name: 'Search messages' }), 'lunch')
    const results = await screen.findByRole('list', { name: 'Search results' })
    expect(within(results).getByRole('button').textContent).toContain('lunch tomorrow?')
    await waitFor(() => { expect(engine.callsOf('search')).toEqual([{ query: 'lunch', limit: 50 }]) })
  })
})

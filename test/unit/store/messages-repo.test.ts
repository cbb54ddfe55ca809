import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import { ContactsRepository } from '../../../core/store/contacts-repo.js'
import { MessagesRepository } from '../../../core/store/messages-repo.js'
import { tempDatabase } from '../../helpers/temp.js'
import type { ParleyDatabase } from '../../../core/store/database.js'

const ME = 'me'

let db: ParleyDatabase
let cleanup: () => Promise<void>
let messages: MessagesRepository
let contacts: ContactsRepository
let nextId = 0

beforeEach(() => {
  ({ db, cleanup } = tempDatabase())
  messages = new MessagesRepository(db)
  contacts = new ContactsRepository(db)
})
afterEach(async () => { await cleanup() })

/** A contact (as a stranger's request) and the conversation with it; returns the conversation id. */
async function conversationWith (peerId: string, createdAt = 0): Promise<string> {
  const id = `conv-${peerId}`
  await db.write(() => {
    contacts.insertRequest(peerId, new Uint8Array([1]), createdAt)
    messages.ensureConversation(id, peerId, createdAt)
  })
  return id
}

function newMessage (conversationId: string, sender: string, seq: number, text: string, sentAt: number): Parameters<MessagesRepository['insertOutgoing']>[0] {
  nextId += 1
  return {
    id: `msg-${String(nextId).padStart(4, '0')}`,
    conversationId,
    sender,
    seq,
    prevHash: new Uint8Array(32),
    contentHash: new Uint8Array(32).fill(seq),
    content: new Uint8Array([seq]),
    text,
    sentAt
  }
}

async function receive (conversationId: string, peerId: string, seq: number, text: string, sentAt: number, receivedAt = sentAt + 1): Promise<string> {
  const message = newMessage(conversationId, peerId, seq, text, sentAt)
  expect(await db.write(() => messages.insertIncoming(message, receivedAt))).toBe('stored')
  return message.id
}

async function send (conversationId: string, seq: number, text: string, sentAt: number): Promise<string> {
  const message = newMessage(conversationId, ME, seq, text, sentAt)
  await db.write(() => { messages.insertOutgoing(message) })
  return message.id
}

function searchTexts (query: string, limit = 50): string[] {
  return messages.search(query, limit).map(result => result.text)
}

describe('MessagesRepository unread', () => {
  it('marks incoming messages unread and our own read', async () => {
    const conv = await conversationWith('ana')
    const incoming = await receive(conv, 'ana', 1, 'hi', 10)
    const outgoing = await send(conv, 1, 'hello', 20)
    expect(messages.get(incoming)?.unread).toBe(true)
    expect(messages.get(outgoing)?.unread).toBe(false)
    expect(messages.unreadCount(conv)).toBe(1)
  })

  it('counts per conversation, and markRead clears only that one, returning how many it changed', async () => {
    const ana = await conversationWith('ana')
    const bo = await conversationWith('bo')
    await receive(ana, 'ana', 1, 'one', 10)
    await receive(ana, 'ana', 2, 'two', 20)
    await receive(bo, 'bo', 1, 'three', 30)
    expect(messages.unreadCount(ana)).toBe(2)

    expect(await db.write(() => messages.markRead(ana))).toBe(2)
    expect(messages.unreadCount(ana)).toBe(0)
    expect(messages.unreadCount(bo)).toBe(1)
    expect(messages.list(ana, 10).every(message => !message.unread)).toBe(true)
    expect(await db.write(() => messages.markRead(ana))).toBe(0)

    await receive(ana, 'ana', 3, 'three', 40)
    expect(messages.unreadCount(ana)).toBe(1)
  })

  it('does not count a duplicate delivery twice', async () => {
    const conv = await conversationWith('ana')
    const message = newMessage(conv, 'ana', 1, 'hi', 10)
    expect(await db.write(() => messages.insertIncoming(message, 11))).toBe('stored')
    expect(await db.write(() => messages.insertIncoming(message, 12))).toBe('duplicate')
    expect(messages.unreadCount(conv)).toBe(1)
  })

  it('has nothing unread in an unknown conversation', () => {
    expect(messages.unreadCount('nope')).toBe(0)
  })
})

describe('MessagesRepository.search', () => {
  it('matches all words regardless of case and diacritics, the last word as a prefix', async () => {
    const conv = await conversationWith('ana')
    await receive(conv, 'ana', 1, 'Le café est prêt', 10)
    await receive(conv, 'ana', 2, 'my resume is attached', 20)
    await send(conv, 1, 'Tea or coffee?', 30)

    expect(searchTexts('CAFE')).toEqual(['Le café est prêt'])
    expect(searchTexts('résumé')).toEqual(['my resume is attached'])
    expect(searchTexts('caf')).toEqual(['Le café est prêt'])
    expect(searchTexts('tea coff')).toEqual(['Tea or coffee?'])
    // Only the last word is a prefix, and every word must be there.
    expect(searchTexts('caf est')).toEqual([])
    expect(searchTexts('tea cafe')).toEqual([])
  })

  it('returns the message with its conversation and unread state, newest first, at most `limit`', async () => {
    const conv = await conversationWith('ana')
    await receive(conv, 'ana', 1, 'lunch at noon', 10)
    await send(conv, 1, 'lunch sounds good', 30)
    await receive(conv, 'ana', 2, 'lunch is cancelled', 20)

    const results = messages.search('lunch', 10)
    expect(results.map(result => result.sentAt)).toEqual([30, 20, 10])
    expect(results[0]).toMatchObject({ conversationId: conv, peerId: 'ana', outgoing: true, unread: false, text: 'lunch sounds good' })
    expect(results[1]).toMatchObject({ outgoing: false, unread: true, sender: 'ana' })
    expect(messages.search('lunch', 2).map(result => result.sentAt)).toEqual([30, 20])
    expect(messages.search('lunch', 0)).toEqual([])
  })

  it('returns nothing for an empty or blank query', async () => {
    const conv = await conversationWith('ana')
    await receive(conv, 'ana', 1, 'anything', 10)
    expect(messages.search('', 10)).toEqual([])
    expect(messages.search('  \t\n ', 10)).toEqual([])
  })

  it('treats FTS5 syntax in the query as text: nothing throws and words match literally', async () => {
    const conv = await conversationWith('ana')
    await receive(conv, 'ana', 1, 'meet NEAR(the station) - bring "snacks" AND drinks, key:value 2*3', 10)
    await receive(conv, 'ana', 2, 'plain words only', 20)
    const hostile = ['"', '""', '"unbalanced', 'a"b', '*', 'foo*', '-', '-bring', ':', 'key:value', 'body_text:meet', 'NEAR(', 'NEAR(the station)',
      'AND', 'OR', 'NOT', 'meet NOT drinks', 'meet OR plain', '(', ')', '{meet}', '^meet', '+', 'meet + bring', '\u0000', "'; DROP TABLE messages; --"]
    for (const query of hostile) expect(() => messages.search(query, 10), query).not.toThrow()

    const hostileMessage = 'meet NEAR(the station) - bring "snacks" AND drinks, key:value 2*3'
    expect(searchTexts('NEAR(')).toEqual([hostileMessage])
    expect(searchTexts('"snacks"')).toEqual([hostileMessage])
    expect(searchTexts('AND')).toEqual([hostileMessage])
    expect(searchTexts('key:value')).toEqual([hostileMessage])
    expect(searchTexts('2*3')).toEqual([hostileMessage])
    // As operators these would exclude "drinks" or add "plain words"; as words they must all be present.
    expect(searchTexts('meet NOT drinks')).toEqual([])
    expect(searchTexts('meet OR plain')).toEqual([])
    // "-" alone has nothing FTS5 indexes: it neither matches everything nor spoils the other words.
    expect(searchTexts('-')).toEqual([])
    expect(searchTexts('meet - bring')).toEqual([hostileMessage])
    expect(searchTexts('bring -')).toEqual([hostileMessage])
    expect(messages.list(conv, 10)).toHaveLength(2)
  })

  it('gives a plain-text snippet around the match, elided when the message is long', async () => {
    const conv = await conversationWith('ana')
    await receive(conv, 'ana', 1, 'short note', 10)
    const long = Array.from({ length: 60 }, (_, i) => `word${i}`).join(' ')
    await receive(conv, 'ana', 2, `${long} needle ${long}`, 20)

    expect(messages.search('short', 10)[0].snippet).toBe('short note')
    const snippet = messages.search('needle', 10)[0].snippet
    expect(snippet).toContain('needle')
    expect(snippet.startsWith('…') && snippet.endsWith('…')).toBe(true)
    expect(snippet.split(' ').length).toBeLessThanOrEqual(12)
  })

  it('forgets deleted text and finds edited text', async () => {
    const conv = await conversationWith('ana')
    const id = await receive(conv, 'ana', 1, 'original words', 10)
    db.sql.prepare('UPDATE messages SET body_text = ? WHERE id = ?').run('changed words', id)
    expect(searchTexts('original')).toEqual([])
    expect(searchTexts('changed')).toEqual(['changed words'])
  })
})

describe('MessagesRepository.conversationSummaries', () => {
  it('lists every conversation with its newest message and unread count, most recently active first', async () => {
    const quiet = await conversationWith('quiet', 100)
    const chatty = await conversationWith('chatty', 50)
    const skewed = await conversationWith('skewed', 60)
    await receive(chatty, 'chatty', 1, 'first', 200, 210)
    await receive(chatty, 'chatty', 2, 'second', 300, 310)
    await send(chatty, 1, 'newest', 500)
    // The peer's clock is far ahead: its sentAt is not trusted for ordering, our receivedAt is.
    await receive(skewed, 'skewed', 1, 'from the future', 9_999_999, 400)

    const summaries = messages.conversationSummaries()
    expect(summaries.map(summary => summary.peerId)).toEqual(['chatty', 'skewed', 'quiet'])
    expect(summaries[0]).toMatchObject({ conversationId: chatty, unread: 2, lastActivity: 500, lastMessage: { text: 'newest', outgoing: true, peerId: 'chatty' } })
    expect(summaries[1]).toMatchObject({ conversationId: skewed, unread: 1, lastActivity: 400, lastMessage: { text: 'from the future', unread: true } })
    expect(summaries[2]).toEqual({ peerId: 'quiet', conversationId: quiet, unread: 0, lastActivity: 100 })
  })

  it('follows new messages and markRead', async () => {
    const ana = await conversationWith('ana', 10)
    const bo = await conversationWith('bo', 20)
    expect(messages.conversationSummaries().map(summary => summary.peerId)).toEqual(['bo', 'ana'])
    await receive(ana, 'ana', 1, 'ping', 30, 31)
    expect(messages.conversationSummaries().map(summary => [summary.peerId, summary.unread])).toEqual([['ana', 1], ['bo', 0]])
    await db.write(() => messages.markRead(ana))
    await send(bo, 1, 'pong', 40)
    expect(messages.conversationSummaries().map(summary => [summary.peerId, summary.unread])).toEqual([['bo', 0], ['ana', 0]])
  })

  it('cannot be pinned by a sender who dates a message in the year 2100', async () => {
    const ana = await conversationWith('ana', 10)
    const bo = await conversationWith('bo', 20)
    const future = await receive(ana, 'ana', 1, 'from 2100', Date.UTC(2100, 0, 1), 1000)
    await receive(bo, 'bo', 1, 'meanwhile', 1400, 1500)
    await receive(ana, 'ana', 2, 'later', 1900, 2000)
    // Stored with the arrival time as its date, so it is not the newest for ever.
    expect(messages.get(future)?.sentAt).toBe(1000)
    expect(messages.list(ana, 10).map(message => message.text)).toEqual(['later', 'from 2100'])
    const summaries = messages.conversationSummaries()
    expect(summaries.map(summary => summary.peerId)).toEqual(['ana', 'bo'])
    expect(summaries[0]).toMatchObject({ lastActivity: 2000, lastMessage: { text: 'later' } })
    // A sender's clock behind ours is kept as it is.
    const late = await receive(bo, 'bo', 2, 'written offline', 1600, 5000)
    expect(messages.get(late)?.sentAt).toBe(1600)
  })

  it('is empty without conversations', () => {
    expect(messages.conversationSummaries()).toEqual([])
  })
})

describe('MessagesRepository.list', () => {
  it('pages newest first with a (sentAt, id) cursor', async () => {
    const conv = await conversationWith('ana')
    for (let seq = 1; seq <= 5; seq++) await receive(conv, 'ana', seq, `m${seq}`, seq * 10)
    const first = messages.list(conv, 2)
    expect(first.map(message => message.text)).toEqual(['m5', 'm4'])
    const last = first[first.length - 1]
    expect(messages.list(conv, 2, { sentAt: last.sentAt, id: last.id }).map(message => message.text)).toEqual(['m3', 'm2'])
  })
})

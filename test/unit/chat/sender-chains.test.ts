import { randomBytes } from 'node:crypto'
import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import { GENESIS_HASH, contentHash } from '../../../core/chat/content.js'
import { storeInSenderChain } from '../../../core/chat/sender-chains.js'
import { ContactsRepository } from '../../../core/store/contacts-repo.js'
import { MessagesRepository } from '../../../core/store/messages-repo.js'
import { tempDatabase } from '../../helpers/temp.js'
import type { ParleyDatabase } from '../../../core/store/database.js'
import type { NewMessage } from '../../../core/store/messages-repo.js'

const PEER = 'peer'
const CONVERSATION = 'conv'

let db: ParleyDatabase
let cleanup: () => Promise<void>
let messages: MessagesRepository

beforeEach(async () => {
  ({ db, cleanup } = tempDatabase())
  messages = new MessagesRepository(db)
  const contacts = new ContactsRepository(db)
  await db.write(() => {
    contacts.insertRequest(PEER, new Uint8Array([1]), 0)
    messages.ensureConversation(CONVERSATION, PEER, 0)
  })
})
afterEach(async () => { await cleanup() })

/** The sender's next message after `previous` (or the first of a chain). */
function after (previous: NewMessage | undefined, text: string): NewMessage {
  const content = randomBytes(24)
  return {
    id: randomBytes(16).toString('hex'),
    conversationId: CONVERSATION,
    sender: PEER,
    seq: previous == null ? 1 : previous.seq + 1,
    prevHash: previous == null ? GENESIS_HASH : previous.contentHash,
    contentHash: contentHash(content),
    content,
    text,
    sentAt: 1000
  }
}

async function store (message: NewMessage): Promise<string> {
  return await db.write(() => storeInSenderChain(messages, message, 2000))
}

/** The sender's stored messages as "chain/seq text", in storage order. */
function chains (): string[] {
  const rows = db.sql.prepare("SELECT chain, seq, body_text FROM messages WHERE sender = 'peer' ORDER BY rowid").all() as
    Array<{ chain: number, seq: number, body_text: string }>
  return rows.map(row => `${row.chain}/${row.seq} ${row.body_text}`)
}

/** A chain of `texts.length` messages, each following the one before. */
function chainOf (...texts: string[]): NewMessage[] {
  const chain: NewMessage[] = []
  for (const text of texts) chain.push(after(chain.at(-1), text))
  return chain
}

describe('sender chains', () => {
  it('keeps a chain that starts again from genesis beside the old one, and files its later messages with it', async () => {
    const [a1, a2] = chainOf('a1', 'a2')
    const [b1, b2, b3] = chainOf('b1', 'b2', 'b3')
    for (const message of [a1, a2, b1, b2, b3]) expect(await store(message)).toBe('stored')
    expect(chains()).toEqual(['0/1 a1', '0/2 a2', '1/1 b1', '1/2 b2', '1/3 b3'])
  })

  it('opens a new chain for every restart', async () => {
    for (const text of ['a', 'b', 'c']) expect(await store(after(undefined, text))).toBe('stored')
    expect(chains()).toEqual(['0/1 a', '1/1 b', '2/1 c'])
  })

  it('keeps a fork from a held message (a restored backup) beside the branch it replaces', async () => {
    const [a1, a2, a3] = chainOf('a1', 'a2', 'a3')
    for (const message of [a1, a2, a3]) await store(message)
    const forked = after(a1, 'b2')
    expect(await store(forked)).toBe('stored')
    expect(await store(after(forked, 'b3'))).toBe('stored')
    expect(await store(after(a3, 'a4 is late'))).toBe('stored')
    expect(chains()).toEqual(['0/1 a1', '0/2 a2', '0/3 a3', '1/2 b2', '1/3 b3', '0/4 a4 is late'])
  })

  it('refuses a taken number that neither starts again nor follows a held message, and stores nothing', async () => {
    const [a1, a2] = chainOf('a1', 'a2')
    await store(a1)
    await store(a2)
    const unlinked = { ...after(a1, 'reused'), prevHash: new Uint8Array(32).fill(7) }
    expect(await store(unlinked)).toBe('seq_taken')
    // Seq 1 that claims a predecessor, and a later number that claims to start a chain.
    expect(await store({ ...after(undefined, 'not a start'), prevHash: a2.contentHash })).toBe('seq_taken')
    expect(await store({ ...after(a1, 'not a start either'), prevHash: GENESIS_HASH })).toBe('seq_taken')
    expect(chains()).toEqual(['0/1 a1', '0/2 a2'])
  })

  it('stores an id once, whatever chain it would start', async () => {
    const [a1] = chainOf('a1')
    expect(await store(a1)).toBe('stored')
    expect(await store(a1)).toBe('duplicate')
    expect(chains()).toEqual(['0/1 a1'])
  })

  it('starts at chain 0 for a sender whose messages this device never had', async () => {
    const a3 = chainOf('a1', 'a2', 'a3')[2]
    expect(await store(a3)).toBe('stored')
    expect(await store(after(undefined, 'b1'))).toBe('stored')
    expect(chains()).toEqual(['0/3 a3', '1/1 b1'])
  })
})

import type { ParleyDatabase } from './database.js'

export type MessageStatus = 'queued' | 'sent' | 'delivered' | 'failed' | 'received'

export interface StoredMessage {
  id: string
  conversationId: string
  /** The contact this conversation is with. */
  peerId: string
  sender: string
  outgoing: boolean
  seq: number
  text: string
  /** Ours: when we wrote it. A peer's: its clock, but never later than `receivedAt`. Order follows it. */
  sentAt: number
  receivedAt?: number
  status: MessageStatus
  error?: string
  /** An incoming message the user has not seen yet. */
  unread: boolean
}

/** A search hit: the message and an excerpt of its text around the matched words. */
export type MessageSearchResult = StoredMessage & { snippet: string }

/** One row of the conversation list. */
export interface ConversationSummary {
  peerId: string
  conversationId: string
  lastMessage?: StoredMessage
  unread: number
  /** When this device last saw the conversation move, in ms; see `conversationSummaries`. */
  lastActivity: number
}

/** A message as it enters the database: its Content and place in the sender's hash chain. */
export interface NewMessage {
  id: string
  conversationId: string
  sender: string
  seq: number
  prevHash: Uint8Array
  contentHash: Uint8Array
  content: Uint8Array
  text: string
  sentAt: number
}

export interface Conversation {
  id: string
  peerId: string
  nextSeq: number
  lastHash?: Uint8Array
}

export interface OutboxEntry {
  messageId: string
  seq: number
  content: Uint8Array
  ciphertext?: { type: number, body: Uint8Array }
  attempts: number
}

interface MessageRow {
  id: string
  conversation_id: string
  peer_id: string
  sender: string
  outgoing: number
  seq: number
  body_text: string
  sent_at: number
  received_at: number | null
  status: MessageStatus
  error: string | null
  unread: number
}

function fromRow (row: MessageRow): StoredMessage {
  return {
    id: row.id,
    conversationId: row.conversation_id,
    peerId: row.peer_id,
    sender: row.sender,
    outgoing: row.outgoing === 1,
    seq: row.seq,
    text: row.body_text,
    sentAt: row.sent_at,
    receivedAt: row.received_at ?? undefined,
    status: row.status,
    error: row.error ?? undefined,
    unread: row.unread === 1
  }
}

const MESSAGE_COLUMNS = `m.id, m.conversation_id, c.peer_id, m.sender, m.outgoing, m.seq, m.body_text, m.sent_at,
  m.received_at, m.status, m.error, m.unread`
const SELECT_MESSAGE = `SELECT ${MESSAGE_COLUMNS} FROM messages m JOIN conversations c ON c.id = m.conversation_id`

/** Words of the snippet around the match; the UI highlights matches itself, so no markers. */
const SNIPPET_TOKENS = 12

/**
 * FTS5 drops every character outside these categories (unicode61's default
 * token characters), so a word made only of others can never match. It
 * must not reach the query either: FTS5 turns it into an empty phrase, and
 * one empty phrase makes the whole AND match nothing.
 */
const INDEXED_CHARACTER = /[\p{L}\p{N}\p{Co}]/u

/**
 * The user's words as an FTS5 query that means only "all these words, the
 * last one possibly unfinished". Each word is quoted as an FTS5 string, so
 * `"`, `*`, `-`, `:`, `(`, AND, OR, NOT and NEAR are text, never syntax.
 * `undefined` when nothing searchable is left.
 */
function ftsQueryFor (text: string): string | undefined {
  const words = text.split(/\s+/).filter(word => INDEXED_CHARACTER.test(word))
  if (words.length === 0) return undefined
  const phrases = words.map(word => `"${word.replaceAll('"', '""')}"`)
  phrases[phrases.length - 1] += '*'
  return phrases.join(' AND ')
}

interface SummaryRow extends Omit<MessageRow, 'id' | 'conversation_id'> {
  /** Null when the conversation has no message yet; the other message columns are then null too. */
  id: string | null
  conversation_id: string
  unread_count: number
  last_activity: number
}

/**
 * Conversations, messages and the outbox. Every method that writes expects
 * to run inside `db.write()`; callers group several into one transaction.
 */
export class MessagesRepository {
  constructor (private readonly db: ParleyDatabase) {}

  conversationWith (peerId: string): Conversation | undefined {
    const row = this.db.statement('SELECT id, peer_id, next_seq, last_hash FROM conversations WHERE peer_id = ?').get(peerId) as
      { id: string, peer_id: string, next_seq: number, last_hash: Uint8Array | null } | undefined
    if (row == null) return undefined
    return { id: row.id, peerId: row.peer_id, nextSeq: row.next_seq, lastHash: row.last_hash == null ? undefined : new Uint8Array(row.last_hash) }
  }

  ensureConversation (id: string, peerId: string, now: number): Conversation {
    const existing = this.conversationWith(peerId)
    if (existing?.id === id) return existing
    this.db.statement('INSERT INTO conversations (id, peer_id, created_at) VALUES (?, ?, ?) ON CONFLICT(id) DO NOTHING').run(id, peerId, now)
    const conversation = this.conversationWith(peerId)
    if (conversation == null) throw new Error(`conversation ${id} is not with ${peerId}`)
    return conversation
  }

  /** Stores our own message, queues it and advances our sequence and hash chain. */
  insertOutgoing (message: NewMessage): void {
    this.insert(message, true, 'queued')
    this.db.statement('INSERT INTO outbox (message_id, peer_id, seq) SELECT ?, peer_id, ? FROM conversations WHERE id = ?')
      .run(message.id, message.seq, message.conversationId)
    this.db.statement('UPDATE conversations SET next_seq = ?, last_hash = ? WHERE id = ?')
      .run(message.seq + 1, message.contentHash, message.conversationId)
  }

  /**
   * Stores a peer's message once, in the chain of the message it follows,
   * else the sender's newest chain. `duplicate` when this id is already
   * stored; `seq_taken` when that chain has another message with this sequence number.
   * Its `sentAt` is the sender's clock clamped to `receivedAt` (ours):
   * history and the conversation list are ordered by it, and a sender must
   * not date a message in the future to keep it newest for ever.
   */
  insertIncoming (message: NewMessage, receivedAt: number): 'stored' | 'duplicate' | 'seq_taken' {
    if (this.has(message.id)) return 'duplicate'
    const chain = this.chainOfPredecessor(message) ?? this.newestChain(message.conversationId, message.sender)
    const taken = this.db.statement('SELECT 1 FROM messages WHERE conversation_id = ? AND sender = ? AND chain = ? AND seq = ?')
      .get(message.conversationId, message.sender, chain, message.seq)
    if (taken != null) return 'seq_taken'
    this.insert({ ...message, sentAt: Math.min(message.sentAt, receivedAt) }, false, 'received', receivedAt, chain)
    return 'stored'
  }

  /**
   * Stores a peer's message as the first of a new chain of its sender, beside
   * the ones already stored; the sender's later messages go to this chain.
   * The caller decides that the message restarts the chain.
   */
  insertIncomingOnNewChain (message: NewMessage, receivedAt: number): void {
    this.insert(message, false, 'received', receivedAt, this.newestChain(message.conversationId, message.sender) + 1)
  }

  /** True when the conversation holds any message from the sender. */
  hasIncomingFrom (conversationId: string, sender: string): boolean {
    return this.db.statement('SELECT 1 FROM messages WHERE conversation_id = ? AND sender = ? LIMIT 1').get(conversationId, sender) != null
  }

  /** True when we hold the sender's message that this one follows: seq one less, with the content hash this one names. */
  followsHeldMessage (message: NewMessage): boolean {
    return this.chainOfPredecessor(message) != null
  }

  private chainOfPredecessor (message: NewMessage): number | undefined {
    const row = this.db.statement('SELECT chain FROM messages WHERE conversation_id = ? AND sender = ? AND seq = ? AND content_hash = ? LIMIT 1')
      .get(message.conversationId, message.sender, message.seq - 1, message.prevHash) as { chain: number } | undefined
    return row?.chain
  }

  private newestChain (conversationId: string, sender: string): number {
    const row = this.db.statement('SELECT coalesce(max(chain), 0) AS chain FROM messages WHERE conversation_id = ? AND sender = ?')
      .get(conversationId, sender) as { chain: number }
    return row.chain
  }

  private insert (message: NewMessage, outgoing: boolean, status: MessageStatus, receivedAt?: number, chain = 0): void {
    // Only a peer's message waits to be read; our own were seen as they were written.
    const unread = outgoing ? 0 : 1
    this.db.statement(`INSERT INTO messages (id, conversation_id, sender, outgoing, chain, seq, prev_hash, content_hash, content, body_text, sent_at, received_at, status, unread)
      VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`).run(message.id, message.conversationId, message.sender, outgoing ? 1 : 0, chain, message.seq,
      message.prevHash, message.contentHash, message.content, message.text, message.sentAt, receivedAt ?? null, status, unread)
  }

  has (id: string): boolean {
    return this.db.statement('SELECT 1 FROM messages WHERE id = ?').get(id) != null
  }

  get (id: string): StoredMessage | undefined {
    const row = this.db.statement(`${SELECT_MESSAGE} WHERE m.id = ?`).get(id) as MessageRow | undefined
    return row == null ? undefined : fromRow(row)
  }

  /** Newest first, `limit` at most, strictly older than the `before` message when given. */
  list (conversationId: string, limit: number, before?: { sentAt: number, id: string }): StoredMessage[] {
    const rows = before == null
      ? this.db.statement(`${SELECT_MESSAGE} WHERE m.conversation_id = ? ORDER BY m.sent_at DESC, m.id DESC LIMIT ?`).all(conversationId, limit)
      : this.db.statement(`${SELECT_MESSAGE} WHERE m.conversation_id = ? AND (m.sent_at, m.id) < (?, ?) ORDER BY m.sent_at DESC, m.id DESC LIMIT ?`)
        .all(conversationId, before.sentAt, before.id, limit)
    return (rows as MessageRow[]).map(fromRow)
  }

  /** How many messages the peer has sent us. */
  incomingCount (peerId: string): number {
    const row = this.db.statement(`SELECT count(*) AS n FROM messages m JOIN conversations c ON c.id = m.conversation_id
      WHERE c.peer_id = ? AND m.outgoing = 0`).get(peerId) as { n: number }
    return row.n
  }

  /** Marks every message in the conversation read; returns how many were unread. */
  markRead (conversationId: string): number {
    // `unread = 1` in the WHERE lets SQLite use the partial index messages_unread.
    return this.db.statement('UPDATE messages SET unread = 0 WHERE conversation_id = ? AND unread = 1').run(conversationId).changes
  }

  unreadCount (conversationId: string): number {
    const row = this.db.statement('SELECT count(*) AS n FROM messages WHERE conversation_id = ? AND unread = 1').get(conversationId) as { n: number }
    return row.n
  }

  /**
   * Messages in any conversation containing all the words of `query`, the
   * last one as a prefix (so results appear while the user types), matched
   * without case or diacritics. Newest first, `limit` at most. The query is
   * plain text: FTS5 operators in it are searched for as words.
   */
  search (query: string, limit: number): MessageSearchResult[] {
    const match = ftsQueryFor(query)
    if (match == null || limit < 1) return []
    const rows = this.db.statement(`SELECT ${MESSAGE_COLUMNS}, snippet(messages_fts, 0, '', '', '…', ${SNIPPET_TOKENS}) AS snippet
      FROM messages_fts JOIN messages m ON m.rowid = messages_fts.rowid JOIN conversations c ON c.id = m.conversation_id
      WHERE messages_fts MATCH ? ORDER BY m.sent_at DESC, m.id DESC LIMIT ?`).all(match, limit) as Array<MessageRow & { snippet: string }>
    return rows.map(row => ({ ...fromRow(row), snippet: row.snippet }))
  }

  /**
   * Every conversation with its newest message and unread count, the most
   * recently active first. A conversation's activity is its newest message's
   * `receivedAt` (incoming) or `sentAt` (ours), else when it was created:
   * `receivedAt` is this device's clock, so a peer with a clock far ahead
   * cannot pin its conversation to the top.
   */
  conversationSummaries (): ConversationSummary[] {
    // One pass over conversations; per conversation, the newest message is one
    // step down messages_by_conversation and the count reads only messages_unread.
    const rows = this.db.statement(`SELECT c.id AS conversation_id, c.peer_id,
        m.id, m.sender, m.outgoing, m.seq, m.body_text, m.sent_at, m.received_at, m.status, m.error, m.unread,
        (SELECT count(*) FROM messages u WHERE u.conversation_id = c.id AND u.unread = 1) AS unread_count,
        coalesce(m.received_at, m.sent_at, c.created_at) AS last_activity
      FROM conversations c
      LEFT JOIN messages m ON m.id = (
        SELECT newest.id FROM messages newest WHERE newest.conversation_id = c.id ORDER BY newest.sent_at DESC, newest.id DESC LIMIT 1)
      ORDER BY last_activity DESC, c.id`).all() as SummaryRow[]
    return rows.map(summaryFromRow)
  }

  setStatus (ids: string[], status: MessageStatus, error?: string): void {
    const statement = this.db.statement('UPDATE messages SET status = ?, error = ? WHERE id = ?')
    for (const id of ids) statement.run(status, error ?? null, id)
  }

  /** PeerIds with anything in the outbox. */
  peersWithPending (): string[] {
    return (this.db.statement('SELECT DISTINCT peer_id FROM outbox').all() as Array<{ peer_id: string }>).map(r => r.peer_id)
  }

  /** The peer's queued messages in sequence order, at most `limit`, after sequence number `afterSeq`. */
  pending (peerId: string, limit: number, afterSeq = 0): OutboxEntry[] {
    const rows = this.db.statement(`SELECT o.message_id, o.seq, m.content, o.ciphertext, o.ciphertext_type, o.attempts
      FROM outbox o JOIN messages m ON m.id = o.message_id WHERE o.peer_id = ? AND o.seq > ? ORDER BY o.seq LIMIT ?`).all(peerId, afterSeq, limit) as Array<{
      message_id: string, seq: number, content: Uint8Array, ciphertext: Uint8Array | null, ciphertext_type: number | null, attempts: number
    }>
    return rows.map(row => ({
      messageId: row.message_id,
      seq: row.seq,
      content: new Uint8Array(row.content),
      ciphertext: row.ciphertext == null || row.ciphertext_type == null ? undefined : { type: row.ciphertext_type, body: new Uint8Array(row.ciphertext) },
      attempts: row.attempts
    }))
  }

  /** True when a queued message for the peer still waits for a session to be encrypted. */
  hasUnencrypted (peerId: string): boolean {
    return this.db.statement('SELECT 1 FROM outbox WHERE peer_id = ? AND ciphertext IS NULL LIMIT 1').get(peerId) != null
  }

  /** True while the message waits in the outbox. */
  isQueued (messageId: string): boolean {
    return this.db.statement('SELECT 1 FROM outbox WHERE message_id = ?').get(messageId) != null
  }

  /** The ciphertext queued for the message; undefined when it is not queued or not encrypted yet. */
  queuedCiphertext (messageId: string): { type: number, body: Uint8Array } | undefined {
    const row = this.db.statement('SELECT ciphertext, ciphertext_type FROM outbox WHERE message_id = ?').get(messageId) as
      { ciphertext: Uint8Array | null, ciphertext_type: number | null } | undefined
    if (row?.ciphertext == null || row.ciphertext_type == null) return undefined
    return { type: row.ciphertext_type, body: new Uint8Array(row.ciphertext) }
  }

  /** Forgets the ciphertext of every message queued for the peer: each is encrypted again, in order, from its stored Content. */
  clearCiphertexts (peerId: string): void {
    this.db.statement('UPDATE outbox SET ciphertext = NULL, ciphertext_type = NULL WHERE peer_id = ?').run(peerId)
  }

  saveCiphertext (messageId: string, ciphertext: { type: number, body: Uint8Array }): void {
    this.db.statement('UPDATE outbox SET ciphertext = ?, ciphertext_type = ? WHERE message_id = ?').run(ciphertext.body, ciphertext.type, messageId)
  }

  recordAttempt (messageIds: string[], error: string): void {
    const statement = this.db.statement('UPDATE outbox SET attempts = attempts + 1, last_error = ? WHERE message_id = ?')
    for (const id of messageIds) statement.run(error, id)
  }

  removeFromOutbox (messageIds: string[]): void {
    const statement = this.db.statement('DELETE FROM outbox WHERE message_id = ?')
    for (const id of messageIds) statement.run(id)
  }

  /** Drops the peer's unsent messages from the outbox, returning their ids (they stay in history as failed). */
  abandonPending (peerId: string): string[] {
    const ids = (this.db.statement('SELECT message_id FROM outbox WHERE peer_id = ?').all(peerId) as Array<{ message_id: string }>).map(r => r.message_id)
    this.removeFromOutbox(ids)
    return ids
  }
}

function summaryFromRow (row: SummaryRow): ConversationSummary {
  const summary: ConversationSummary = {
    peerId: row.peer_id,
    conversationId: row.conversation_id,
    unread: row.unread_count,
    lastActivity: row.last_activity
  }
  if (row.id != null) summary.lastMessage = fromRow({ ...row, id: row.id })
  return summary
}

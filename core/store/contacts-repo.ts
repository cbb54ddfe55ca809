import { equalBytes } from '../bytes.js'
import { PARLEY_DEVICE_ID, signalAddressKey } from './signal-address.js'
import type { ParleyDatabase } from './database.js'

export type ContactState = 'accepted' | 'request'

export interface Contact {
  peerId: string
  name: string
  /** The libsignal identity key we trust for this peer. */
  identityKey: Uint8Array
  verified: boolean
  /** The peer presented a different identity key; nothing is sent until the user accepts it. */
  identityChanged: boolean
  /** That different key, once known from the peer's verified bundle or invite: the one the user compares and accepts. */
  pendingIdentityKey?: Uint8Array
  /** `request`: a stranger who wrote first and has not been accepted. */
  state: ContactState
  relays: string[]
  createdAt: number
}

interface ContactRow {
  peer_id: string
  name: string
  identity_key: Uint8Array
  verified: number
  identity_changed: number
  pending_identity_key: Uint8Array | null
  state: ContactState
  relay_addrs: string
  created_at: number
}

function fromRow (row: ContactRow): Contact {
  return {
    peerId: row.peer_id,
    name: row.name,
    identityKey: new Uint8Array(row.identity_key),
    verified: row.verified === 1,
    identityChanged: row.identity_changed === 1,
    pendingIdentityKey: row.pending_identity_key == null ? undefined : new Uint8Array(row.pending_identity_key),
    state: row.state,
    relays: JSON.parse(row.relay_addrs) as string[],
    createdAt: row.created_at
  }
}

/** SQL over `contacts k`: a stranger we have not answered (a `request` with no message of ours in the conversation). */
const PENDING_REQUEST = `k.state = 'request' AND NOT EXISTS (
  SELECT 1 FROM conversations c JOIN messages m ON m.conversation_id = c.id WHERE c.peer_id = k.peer_id AND m.outgoing = 1)`

/**
 * Contacts and the identity keys pinned for them. The libsignal identity
 * store reads the same pin (`signal_identities`), so both are written together.
 */
export class ContactsRepository {
  constructor (private readonly db: ParleyDatabase) {}

  get (peerId: string): Contact | undefined {
    const row = this.db.statement('SELECT * FROM contacts WHERE peer_id = ?').get(peerId) as ContactRow | undefined
    return row == null ? undefined : fromRow(row)
  }

  /** A contact the user added, as opposed to a stranger's message request. Cheap: the connection limits ask it at a full node. */
  isAccepted (peerId: string): boolean {
    return this.db.statement('SELECT 1 FROM contacts WHERE peer_id = ? AND state = \'accepted\'').get(peerId) != null
  }

  list (): Contact[] {
    return (this.db.statement('SELECT * FROM contacts ORDER BY name COLLATE NOCASE, peer_id').all() as ContactRow[]).map(fromRow)
  }

  /**
   * Accepted contacts with messages queued for them, or with a message either
   * way dated `since` or later (a peer's date is clamped to when it arrived).
   */
  inTouchSince (since: number): Contact[] {
    return (this.db.statement(`SELECT * FROM contacts k WHERE k.state = 'accepted' AND (
        EXISTS (SELECT 1 FROM outbox o WHERE o.peer_id = k.peer_id) OR
        EXISTS (SELECT 1 FROM conversations c JOIN messages m ON m.conversation_id = c.id WHERE c.peer_id = k.peer_id AND m.sent_at >= ?))
      ORDER BY k.peer_id`).all(since) as ContactRow[]).map(fromRow)
  }

  /**
   * Adds (or accepts) a contact from a verified invite. A known contact whose
   * invite carries a different identity key is flagged, not overwritten.
   */
  upsertFromInvite (contact: { peerId: string, name: string, identityKey: Uint8Array, relays: string[] }, now: number): Contact {
    const existing = this.get(contact.peerId)
    if (existing == null) {
      this.db.statement(`INSERT INTO contacts (peer_id, name, identity_key, state, relay_addrs, created_at)
        VALUES (?, ?, ?, 'accepted', ?, ?)`).run(contact.peerId, contact.name, contact.identityKey, JSON.stringify(contact.relays), now)
      this.pinIdentity(contact.peerId, contact.identityKey)
    } else if (equalBytes(existing.identityKey, contact.identityKey)) {
      this.db.statement('UPDATE contacts SET name = ?, state = \'accepted\', relay_addrs = ? WHERE peer_id = ?')
        .run(contact.name, JSON.stringify(contact.relays), contact.peerId)
    } else {
      this.db.statement('UPDATE contacts SET name = ?, state = \'accepted\', relay_addrs = ? WHERE peer_id = ?')
        .run(contact.name, JSON.stringify(contact.relays), contact.peerId)
      this.flagIdentityChange(contact.peerId, contact.identityKey)
    }
    const saved = this.get(contact.peerId)
    if (saved == null) throw new Error('contact vanished during upsert')
    return saved
  }

  /** A stranger's first message: a contact in the `request` state, named by PeerId until renamed. */
  insertRequest (peerId: string, identityKey: Uint8Array, now: number): Contact {
    this.db.statement(`INSERT INTO contacts (peer_id, name, identity_key, state, created_at)
      VALUES (?, ?, ?, 'request', ?) ON CONFLICT(peer_id) DO NOTHING`).run(peerId, peerId, identityKey, now)
    const saved = this.get(peerId)
    if (saved == null) throw new Error('contact vanished during insert')
    return saved
  }

  /** How many strangers wait for an answer (see request-caps.ts). */
  countPendingRequests (): number {
    return (this.db.statement(`SELECT count(*) AS n FROM contacts k WHERE ${PENDING_REQUEST}`).get() as { n: number }).n
  }

  /** True when the peer is a stranger we have not answered. */
  isPendingRequest (peerId: string): boolean {
    return this.db.statement(`SELECT 1 FROM contacts k WHERE k.peer_id = ? AND ${PENDING_REQUEST}`).get(peerId) != null
  }

  /** Marks the peer's identity as changed; `newKey` when known (from a verified bundle or invite). */
  flagIdentityChange (peerId: string, newKey?: Uint8Array): void {
    this.db.statement('UPDATE contacts SET identity_changed = 1, verified = 0, pending_identity_key = coalesce(?, pending_identity_key) WHERE peer_id = ?')
      .run(newKey ?? null, peerId)
  }

  /**
   * The key a flagged contact's own verified bundle carries, learned after
   * the change was noticed without one (a message under a new key). The
   * pinned key again means nothing changed after all: the flag is dropped
   * (verification stays dropped). `not_flagged` when there is nothing to learn.
   */
  learnPendingIdentity (peerId: string, identityKey: Uint8Array): 'pending' | 'unchanged' | 'not_flagged' {
    const contact = this.get(peerId)
    if (contact?.identityChanged !== true) return 'not_flagged'
    if (equalBytes(contact.identityKey, identityKey)) {
      this.db.statement('UPDATE contacts SET identity_changed = 0, pending_identity_key = NULL WHERE peer_id = ?').run(peerId)
      return 'unchanged'
    }
    this.db.statement('UPDATE contacts SET pending_identity_key = ? WHERE peer_id = ?').run(identityKey, peerId)
    return 'pending'
  }

  /**
   * The user accepted the new identity key they were shown: pin it and drop
   * the old session, so the next message starts a fresh one. Only that key
   * is accepted; if the pending key is another one (it changed again since),
   * nothing changes. `not_known` while the new key has not been learned.
   */
  acceptIdentityChange (peerId: string, shownKey: Uint8Array): 'accepted' | 'not_flagged' | 'not_known' | 'different' {
    const contact = this.get(peerId)
    if (contact?.identityChanged !== true) return 'not_flagged'
    if (contact.pendingIdentityKey == null) return 'not_known'
    if (!equalBytes(contact.pendingIdentityKey, shownKey)) return 'different'
    this.db.statement('UPDATE contacts SET identity_key = pending_identity_key, pending_identity_key = NULL, identity_changed = 0 WHERE peer_id = ?').run(peerId)
    this.pinIdentity(peerId, contact.pendingIdentityKey)
    this.db.statement('DELETE FROM signal_sessions WHERE address = ?').run(signalAddressKey(peerId, PARLEY_DEVICE_ID))
    return 'accepted'
  }

  /** False when there is no such contact. */
  rename (peerId: string, name: string): boolean {
    return this.db.statement('UPDATE contacts SET name = ? WHERE peer_id = ?').run(name, peerId).changes > 0
  }

  /**
   * Forgets the peer: the contact, and through foreign-key cascades its
   * conversation, messages and queued outbox rows; then the libsignal
   * session, sender keys and pinned identity key, so a later invite starts
   * afresh. False when there was no such contact (its libsignal state, if
   * any, is dropped all the same).
   */
  remove (peerId: string): boolean {
    const address = signalAddressKey(peerId, PARLEY_DEVICE_ID)
    this.db.statement('DELETE FROM signal_sessions WHERE address = ?').run(address)
    this.db.statement('DELETE FROM signal_sender_keys WHERE address = ?').run(address)
    // The identity store keys its pin by the bare PeerId (see pinIdentity).
    this.db.statement('DELETE FROM signal_identities WHERE address = ?').run(peerId)
    return this.db.statement('DELETE FROM contacts WHERE peer_id = ?').run(peerId).changes > 0
  }

  setVerified (peerId: string, verified: boolean): void {
    this.db.statement('UPDATE contacts SET verified = ? WHERE peer_id = ?').run(verified ? 1 : 0, peerId)
  }

  private pinIdentity (peerId: string, identityKey: Uint8Array): void {
    this.db.statement('INSERT INTO signal_identities (address, identity_key) VALUES (?, ?) ON CONFLICT(address) DO UPDATE SET identity_key = excluded.identity_key')
      .run(peerId, identityKey)
  }
}

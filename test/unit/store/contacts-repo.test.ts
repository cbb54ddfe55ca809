import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import { ContactsRepository } from '../../../core/store/contacts-repo.js'
import { MessagesRepository } from '../../../core/store/messages-repo.js'
import { PARLEY_DEVICE_ID, signalAddressKey } from '../../../core/store/signal-address.js'
import { tempDatabase } from '../../helpers/temp.js'
import type { ParleyDatabase } from '../../../core/store/database.js'
import type { SqlValue } from '../../../core/store/sql-connection.js'

let db: ParleyDatabase
let cleanup: () => Promise<void>
let contacts: ContactsRepository
let messages: MessagesRepository

beforeEach(() => {
  ({ db, cleanup } = tempDatabase())
  contacts = new ContactsRepository(db)
  messages = new MessagesRepository(db)
})
afterEach(async () => { await cleanup() })

/**
 * A contact with everything Parley keeps about a peer: pinned identity,
 * conversation, an incoming and a queued outgoing message, a libsignal
 * session and a sender key.
 */
async function contactWithHistory (peerId: string, name: string): Promise<void> {
  const conversationId = `conv-${peerId}`
  const address = signalAddressKey(peerId, PARLEY_DEVICE_ID)
  await db.write(() => {
    contacts.upsertFromInvite({ peerId, name, identityKey: new Uint8Array([7]), relays: [] }, 1)
    messages.ensureConversation(conversationId, peerId, 1)
    const base = { conversationId, prevHash: new Uint8Array(32), contentHash: new Uint8Array(32), content: new Uint8Array([1]) }
    messages.insertIncoming({ ...base, id: `${peerId}-in`, sender: peerId, seq: 1, text: `hello from ${name}`, sentAt: 10 }, 11)
    messages.insertOutgoing({ ...base, id: `${peerId}-out`, sender: 'me', seq: 1, text: `reply to ${name}`, sentAt: 20 })
    db.statement('INSERT INTO signal_sessions (address, record) VALUES (?, ?)').run(address, new Uint8Array([1]))
    db.statement('INSERT INTO signal_sender_keys (address, distribution_id, record) VALUES (?, ?, ?)').run(address, 'dist', new Uint8Array([1]))
  })
}

function count (sql: string, ...params: SqlValue[]): number {
  return (db.statement(`SELECT count(*) AS n FROM ${sql}`).get(...params) as { n: number }).n
}

/** Every row anywhere that belongs to the peer. */
function rowsAbout (peerId: string): Record<string, number> {
  const address = signalAddressKey(peerId, PARLEY_DEVICE_ID)
  return {
    contacts: count('contacts WHERE peer_id = ?', peerId),
    conversations: count('conversations WHERE peer_id = ?', peerId),
    messages: count('messages WHERE conversation_id = ?', `conv-${peerId}`),
    outbox: count('outbox WHERE peer_id = ?', peerId),
    signalSessions: count('signal_sessions WHERE address = ?', address),
    signalSenderKeys: count('signal_sender_keys WHERE address = ?', address),
    signalIdentities: count('signal_identities WHERE address = ?', peerId)
  }
}

describe('ContactsRepository.rename', () => {
  it('renames a contact and says whether there was one', async () => {
    await contactWithHistory('ana', 'Ana')
    expect(await db.write(() => contacts.rename('ana', 'Ana Lima'))).toBe(true)
    expect(contacts.get('ana')?.name).toBe('Ana Lima')
    expect(await db.write(() => contacts.rename('nobody', 'X'))).toBe(false)
    expect(contacts.get('nobody')).toBeUndefined()
  })
})

describe('ContactsRepository.remove', () => {
  it('deletes the contact with its conversation, messages, outbox rows, session, sender keys and pinned identity', async () => {
    await contactWithHistory('ana', 'Ana')
    await contactWithHistory('bo', 'Bo')
    // Every kind of row is really there to begin with.
    expect(Object.values(rowsAbout('ana')).every(n => n > 0), JSON.stringify(rowsAbout('ana'))).toBe(true)

    expect(await db.write(() => contacts.remove('ana'))).toBe(true)

    expect(rowsAbout('ana')).toEqual({
      contacts: 0, conversations: 0, messages: 0, outbox: 0, signalSessions: 0, signalSenderKeys: 0, signalIdentities: 0
    })
    expect(messages.peersWithPending()).toEqual(['bo'])
    expect(messages.search('hello', 10).map(result => result.peerId)).toEqual(['bo'])
    expect(() => db.statement("INSERT INTO messages_fts (messages_fts, rank) VALUES ('integrity-check', 1)").run()).not.toThrow()
  })

  it('leaves other contacts untouched', async () => {
    await contactWithHistory('ana', 'Ana')
    await contactWithHistory('bo', 'Bo')
    const before = rowsAbout('bo')
    await db.write(() => contacts.remove('ana'))
    expect(rowsAbout('bo')).toEqual(before)
    expect(contacts.list().map(contact => contact.peerId)).toEqual(['bo'])
  })

  it('returns false for an unknown peer but still drops stray libsignal state', async () => {
    const address = signalAddressKey('stranger', PARLEY_DEVICE_ID)
    await db.write(() => {
      db.statement('INSERT INTO signal_sessions (address, record) VALUES (?, ?)').run(address, new Uint8Array([1]))
      db.statement('INSERT INTO signal_identities (address, identity_key) VALUES (?, ?)').run('stranger', new Uint8Array([1]))
    })
    expect(await db.write(() => contacts.remove('stranger'))).toBe(false)
    expect(rowsAbout('stranger')).toMatchObject({ signalSessions: 0, signalIdentities: 0 })
  })

  it('lets the same peer be added again afresh, pinning the key from the new invite', async () => {
    await contactWithHistory('ana', 'Ana')
    await db.write(() => contacts.remove('ana'))
    const again = await db.write(() => contacts.upsertFromInvite({ peerId: 'ana', name: 'Ana', identityKey: new Uint8Array([9]), relays: [] }, 2))
    expect(again).toMatchObject({ identityChanged: false, identityKey: new Uint8Array([9]) })
    const pinned = db.statement('SELECT identity_key FROM signal_identities WHERE address = ?').get('ana') as { identity_key: Uint8Array }
    expect([...pinned.identity_key]).toEqual([9])
    expect(messages.conversationWith('ana')).toBeUndefined()
  })
})

describe('ContactsRepository identity changes', () => {
  const oldKey = new Uint8Array([7])
  const newKey = new Uint8Array([8])
  const pinned = (peerId: string): number[] =>
    [...(db.statement('SELECT identity_key FROM signal_identities WHERE address = ?').get(peerId) as { identity_key: Uint8Array }).identity_key]

  it('keeps a learned key as pending only for a flagged contact, and drops the flag when the key is the pinned one', async () => {
    await contactWithHistory('ana', 'Ana')
    expect(await db.write(() => contacts.learnPendingIdentity('ana', newKey))).toBe('not_flagged')
    expect(contacts.get('ana')?.pendingIdentityKey).toBeUndefined()

    await db.write(() => { contacts.setVerified('ana', true); contacts.flagIdentityChange('ana') })
    expect(await db.write(() => contacts.learnPendingIdentity('ana', newKey))).toBe('pending')
    expect(contacts.get('ana')).toMatchObject({ identityChanged: true, verified: false, identityKey: oldKey, pendingIdentityKey: newKey })

    await contactWithHistory('bo', 'Bo')
    await db.write(() => { contacts.flagIdentityChange('bo') })
    expect(await db.write(() => contacts.learnPendingIdentity('bo', oldKey))).toBe('unchanged')
    expect(contacts.get('bo')).toMatchObject({ identityChanged: false, verified: false, pendingIdentityKey: undefined })
  })

  it('accepts only the pending key the user was shown, pinning it and dropping the session', async () => {
    await contactWithHistory('ana', 'Ana')
    expect(await db.write(() => contacts.acceptIdentityChange('ana', newKey))).toBe('not_flagged')
    await db.write(() => { contacts.flagIdentityChange('ana') })
    expect(await db.write(() => contacts.acceptIdentityChange('ana', newKey))).toBe('not_known')
    await db.write(() => { contacts.flagIdentityChange('ana', newKey) })
    expect(await db.write(() => contacts.acceptIdentityChange('ana', new Uint8Array([9])))).toBe('different')
    expect(contacts.get('ana')).toMatchObject({ identityChanged: true, identityKey: oldKey, pendingIdentityKey: newKey })
    expect(pinned('ana')).toEqual([7])
    expect(rowsAbout('ana').signalSessions).toBe(1)

    expect(await db.write(() => contacts.acceptIdentityChange('ana', newKey))).toBe('accepted')
    expect(contacts.get('ana')).toMatchObject({ identityChanged: false, identityKey: newKey, pendingIdentityKey: undefined })
    expect(pinned('ana')).toEqual([8])
    expect(rowsAbout('ana').signalSessions).toBe(0)
  })
})

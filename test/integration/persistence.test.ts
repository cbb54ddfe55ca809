import { peerIdFromString } from '@libp2p/peer-id'
import { afterEach, describe, expect, it } from 'vitest'
import { Engine } from '../../core/host/engine.js'
import { SIM_SCRYPT_COST, SimNetwork, introduce, waitFor } from '../../core/sim/harness.js'
import { PassphraseKeyWrapper } from '../../core/store/key-wrapper.js'
import { filesContaining, snapshot } from '../helpers/files.js'
import { delivered, texts } from '../helpers/chat.js'
import { replaceSignalIdentity } from '../helpers/identity.js'

let net: SimNetwork | undefined
afterEach(async () => { await net?.stop(); net = undefined })

describe('persistence and storage', () => {
  it('queues for an offline recipient and delivers within 5 s of it starting', async () => {
    net = await SimNetwork.create()
    const alice = await net.addUser('alice')
    let bob = await net.addUser('bob')
    await introduce(alice, bob)
    await net.stopUser('bob')
    const message = await alice.engine.send(bob.engine.peerId, 'while you were away')
    // Let a few delivery attempts fail while Bob is down.
    await new Promise(resolve => setTimeout(resolve, 2_500))
    expect(alice.engine.messages.get(message.id)?.status).toBe('queued')
    const startedAt = Date.now()
    bob = await net.startUser('bob')
    await delivered(alice, message, 5_000)
    expect(Date.now() - startedAt).toBeLessThan(5_000)
    expect(texts(bob, alice)).toEqual(['while you were away'])
  })

  it('keeps history, contacts and sessions across a restart of both', async () => {
    net = await SimNetwork.create()
    let alice = await net.addUser('alice')
    let bob = await net.addUser('bob')
    await introduce(alice, bob)
    await delivered(alice, await alice.engine.send(bob.engine.peerId, 'before restart'))
    await delivered(bob, await bob.engine.send(alice.engine.peerId, 'reply before restart'))
    await net.stopUser('alice')
    await net.stopUser('bob')
    alice = await net.startUser('alice')
    // The peer store is in the database: Bob's addresses are known before any lookup.
    const remembered = await alice.engine.node.peerStore.get(peerIdFromString(bob.engine.peerId))
    expect(remembered.addresses.length).toBeGreaterThan(0)
    bob = await net.startUser('bob')
    expect(alice.engine.contacts.list().map(c => c.name)).toEqual(['bob'])
    expect(bob.engine.contacts.list().map(c => c.name)).toEqual(['alice'])
    expect(texts(alice, bob)).toEqual(['before restart', 'reply before restart'])
    // The existing sessions carry on: no new prekey bundle is fetched.
    const sessionsBefore = alice.engine.db.sql.prepare('SELECT record FROM signal_sessions').all()
    expect(sessionsBefore).toHaveLength(1)
    await delivered(alice, await alice.engine.send(bob.engine.peerId, 'after restart'))
    await delivered(bob, await bob.engine.send(alice.engine.peerId, 'reply after restart'))
    expect(texts(bob, alice)).toEqual(['before restart', 'reply before restart', 'after restart', 'reply after restart'])
  })

  it('leaves no plaintext or key material in the data directory', async () => {
    net = await SimNetwork.create()
    const alice = await net.addUser('alice')
    const bob = await net.addUser('bob')
    await introduce(alice, bob)
    const secretText = 'the eagle lands at midnight 7f3a9c'
    await delivered(alice, await alice.engine.send(bob.engine.peerId, secretText))
    const needles: Array<[string, Uint8Array]> = [
      ['message text', new TextEncoder().encode(secretText)],
      ['libp2p private key', alice.engine.identity.peerKey.raw.subarray(0, 32)],
      ['libsignal identity private key', alice.engine.identity.signal.privateKey.serialize()],
      ['bob libsignal identity private key', bob.engine.identity.signal.privateKey.serialize()]
    ]
    const check = (): void => {
      for (const [what, needle] of needles) {
        expect({ what, files: filesContaining(net?.root ?? '', needle) }).toEqual({ what, files: [] })
      }
    }
    check() // while running (WAL in use)
    await net.stopUser('alice')
    await net.stopUser('bob')
    check() // after a clean close
  })

  it('refuses a wrong passphrase clearly and changes nothing', async () => {
    net = await SimNetwork.create()
    const alice = await net.addUser('alice')
    const dataDir = alice.dataDir
    await net.stopUser('alice')
    const before = snapshot(dataDir)
    await expect(Engine.start({ dataDir, wrapper: new PassphraseKeyWrapper('not the passphrase', SIM_SCRYPT_COST), preset: 'sim' }))
      .rejects.toMatchObject({ code: 'wrong_passphrase', message: expect.stringContaining('wrong passphrase') as unknown })
    expect(snapshot(dataDir)).toEqual(before)
  })
})

describe('identity changes', () => {
  it('flags a contact whose bundle carries a new identity key, and sends after acceptance', async () => {
    net = await SimNetwork.create()
    const alice = await net.addUser('alice')
    let bob = await net.addUser('bob')
    await alice.engine.addContact(await bob.engine.invite(), 'bob')
    const newKey = await replaceSignalIdentity(net, bob)
    bob = await net.startUser('bob')
    const message = await alice.engine.send(bob.engine.peerId, 'are you still you?')
    await waitFor(() => alice.engine.messages.get(message.id)?.status === 'failed', 10_000, 'the message to fail')
    expect(alice.engine.messages.get(message.id)?.error).toContain('identity_changed')
    const contact = alice.engine.contacts.get(bob.engine.peerId)
    expect(contact?.identityChanged).toBe(true)
    expect(contact?.pendingIdentityKey).toEqual(newKey)
    await expect(alice.engine.send(bob.engine.peerId, 'again')).rejects.toMatchObject({ code: 'identity_changed' })
    expect(texts(bob, alice)).toEqual([])

    await alice.engine.acceptIdentityChange(bob.engine.peerId, newKey)
    await delivered(alice, await alice.engine.send(bob.engine.peerId, 'accepted your new key'))
    expect(texts(bob, alice)).toEqual(['accepted your new key'])
  })

  it('rejects and flags a message signed by a changed identity key', async () => {
    net = await SimNetwork.create()
    const alice = await net.addUser('alice')
    let bob = await net.addUser('bob')
    await introduce(alice, bob)
    await delivered(bob, await bob.engine.send(alice.engine.peerId, 'first, with my old key'))
    await replaceSignalIdentity(net, bob)
    bob = await net.startUser('bob')
    const message = await bob.engine.send(alice.engine.peerId, 'new key, same PeerId')
    await waitFor(() => bob.engine.messages.get(message.id)?.status === 'failed', 10_000, 'the rejection')
    expect(bob.engine.messages.get(message.id)?.error).toContain('identity_changed')
    expect(texts(alice, bob)).toEqual(['first, with my old key'])
    expect(alice.engine.contacts.get(bob.engine.peerId)?.identityChanged).toBe(true)

    // The new key is fetched from Bob's own bundle; once Alice accepts it, messages flow again.
    await waitFor(() => alice.engine.contacts.get(bob.engine.peerId)?.pendingIdentityKey != null, 10_000, 'the new key to be learned')
    const accepted = await alice.engine.acceptIdentityChange(bob.engine.peerId, bob.engine.identity.signal.publicKey.serialize())
    expect(accepted.identityChanged).toBe(false)
    expect(accepted.identityKey).toEqual(bob.engine.identity.signal.publicKey.serialize())
    await delivered(bob, await bob.engine.send(alice.engine.peerId, 'after you accepted'))
    await delivered(alice, await alice.engine.send(bob.engine.peerId, 'welcome back'))
    expect(texts(alice, bob)).toEqual(['first, with my old key', 'after you accepted', 'welcome back'])
  })
})

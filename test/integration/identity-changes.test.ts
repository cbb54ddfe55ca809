import { afterEach, describe, expect, it } from 'vitest'
import { contactToApi } from '../../core/host/api-host.js'
import { SimNetwork, introduce, waitFor } from '../../core/sim/harness.js'
import { delivered, texts } from '../helpers/chat.js'
import { replaceSignalIdentity } from '../helpers/identity.js'
import type { SimUser } from '../../core/sim/harness.js'

let net: SimNetwork | undefined
afterEach(async () => { await net?.stop(); net = undefined })

/** What `user` sees for `peer` right now: the numbers and the key it would accept. */
function shown (user: SimUser, peer: SimUser): ReturnType<SimUser['engine']['safetyNumber']> {
  return user.engine.safetyNumber(peer.engine.peerId)
}

describe('a changed identity key can be checked before it is trusted', () => {
  it('the receiving side learns the new key and shows its number before accepting; only that key is accepted', async () => {
    net = await SimNetwork.create()
    const alice = await net.addUser('alice')
    let bob = await net.addUser('bob')
    await introduce(alice, bob)
    await delivered(bob, await bob.engine.send(alice.engine.peerId, 'with my first key'))
    const before = shown(alice, bob)
    const oldKey = bob.engine.identity.signal.publicKey.serialize()

    const newKey = await replaceSignalIdentity(net, bob)
    bob = await net.startUser('bob')
    // Alice notices the change only from Bob's message, which carries no verified key…
    const rejected = await bob.engine.send(alice.engine.peerId, 'new key, same PeerId')
    await waitFor(() => bob.engine.messages.get(rejected.id)?.status === 'failed', 10_000, 'the rejection')
    // …so her engine fetches Bob's own bundle and keeps the key it vouches for.
    await waitFor(() => alice.engine.contacts.get(bob.engine.peerId)?.pendingIdentityKey != null, 10_000, 'the new key to be learned')
    const contact = alice.engine.contacts.get(bob.engine.peerId)
    expect(contact).toMatchObject({ identityChanged: true, pendingIdentityKey: newKey, identityKey: oldKey })
    expect(contactToApi(contact ?? expect.fail('no contact')).pendingIdentityKey).toBe(Buffer.from(newKey).toString('base64'))

    // Before accepting, Alice sees the number Bob sees with his new key, beside the old one.
    const numbers = shown(alice, bob)
    expect(numbers.digits).toBe(before.digits)
    expect(numbers.pending?.digits).toBe(bob.engine.safetyNumber(alice.engine.peerId).digits)
    expect(numbers.pending?.digits).not.toBe(before.digits)
    expect(numbers.pending?.identityKey).toEqual(newKey)

    // A key other than the one shown is refused, and nothing changes.
    await expect(alice.engine.acceptIdentityChange(bob.engine.peerId, oldKey)).rejects.toMatchObject({ code: 'identity_changed' })
    expect(alice.engine.contacts.get(bob.engine.peerId)).toMatchObject({ identityChanged: true, identityKey: oldKey, pendingIdentityKey: newKey })
    await expect(alice.engine.acceptIdentityChange(bob.engine.peerId, new Uint8Array(32))).rejects.toMatchObject({ code: 'invalid_params' })

    const accepted = await alice.engine.acceptIdentityChange(bob.engine.peerId, numbers.pending?.identityKey ?? expect.fail('no pending key'))
    expect(accepted).toMatchObject({ identityChanged: false, identityKey: newKey, pendingIdentityKey: undefined, verified: false })
    expect(shown(alice, bob).digits).toBe(numbers.pending?.digits)
    expect(shown(alice, bob).pending).toBeUndefined()
    await delivered(bob, await bob.engine.send(alice.engine.peerId, 'after you accepted'))
    await delivered(alice, await alice.engine.send(bob.engine.peerId, 'welcome back'))
    expect(texts(alice, bob)).toEqual(['with my first key', 'after you accepted', 'welcome back'])
  })

  it('the sending side shows the key from the verified bundle; once it changes again, the one shown before is refused', async () => {
    net = await SimNetwork.create()
    const alice = await net.addUser('alice')
    let bob = await net.addUser('bob')
    await introduce(alice, bob)
    const secondKey = await replaceSignalIdentity(net, bob)
    bob = await net.startUser('bob')
    const message = await alice.engine.send(bob.engine.peerId, 'are you still you?')
    await waitFor(() => alice.engine.messages.get(message.id)?.status === 'failed', 10_000, 'the message to fail')
    const first = shown(alice, bob).pending
    expect(first?.identityKey).toEqual(secondKey)
    expect(first?.digits).toBe(bob.engine.safetyNumber(alice.engine.peerId).digits)

    // Bob's key changes once more before Alice decides; his new invite tells her.
    const thirdKey = await replaceSignalIdentity(net, bob)
    bob = await net.startUser('bob')
    await alice.engine.addContact(await bob.engine.invite(), 'bob')
    const second = shown(alice, bob).pending
    expect(second?.identityKey).toEqual(thirdKey)
    expect(second?.digits).not.toBe(first?.digits)

    await expect(alice.engine.acceptIdentityChange(bob.engine.peerId, secondKey)).rejects.toMatchObject({ code: 'identity_changed' })
    expect(alice.engine.contacts.get(bob.engine.peerId)?.identityChanged).toBe(true)
    await alice.engine.acceptIdentityChange(bob.engine.peerId, thirdKey)
    await delivered(alice, await alice.engine.send(bob.engine.peerId, 'checked and accepted'))
    expect(texts(bob, alice)).toEqual(['checked and accepted'])
  })
})

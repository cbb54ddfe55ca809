import { afterEach, describe, expect, it } from 'vitest'
import { SimNetwork, introduce, waitFor } from '../../core/sim/harness.js'
import { delivered, texts } from '../helpers/chat.js'

let net: SimNetwork | undefined
afterEach(async () => { await net?.stop(); net = undefined })

describe('messaging between engines', () => {
  it('finds a contact known only by invite through the DHT and talks both ways', async () => {
    net = await SimNetwork.create()
    const alice = await net.addUser('alice', { noInviteRelays: true })
    const bob = await net.addUser('bob', { noInviteRelays: true })
    // The invites carry no addresses at all: the DHT (served by the relay) is the only way.
    await introduce(alice, bob)
    const hello = await alice.engine.send(bob.engine.peerId, 'hello bob')
    await delivered(alice, hello)
    expect(texts(bob, alice)).toEqual(['hello bob'])
    const reply = await bob.engine.send(alice.engine.peerId, 'hi alice')
    await delivered(bob, reply)
    expect(texts(alice, bob)).toEqual(['hello bob', 'hi alice'])
  })

  it('reaches a user who listens only on a relay circuit, and gets the reply', async () => {
    net = await SimNetwork.create()
    const alice = await net.addUser('alice')
    const carol = await net.addUser('carol', { relayOnly: true })
    await waitFor(() => carol.engine.node.getMultiaddrs().some(a => a.toString().includes('/p2p-circuit')), 10_000, 'a relay reservation')
    expect(carol.engine.node.getMultiaddrs().every(a => a.toString().includes('/p2p-circuit'))).toBe(true)
    await alice.engine.addContact(await carol.engine.invite(), 'carol')
    const hello = await alice.engine.send(carol.engine.peerId, 'through the relay')
    await delivered(alice, hello)
    const reply = await carol.engine.send(alice.engine.peerId, 'relayed reply')
    await delivered(carol, reply)
    expect(texts(alice, carol)).toEqual(['through the relay', 'relayed reply'])
  })
})

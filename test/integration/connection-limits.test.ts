import { join } from 'node:path'
import { generateKeyPair } from '@libp2p/crypto/keys'
import { noise } from '@libp2p/noise'
import { tcp } from '@libp2p/tcp'
import { yamux } from '@libp2p/yamux'
import { createLibp2p } from 'libp2p'
import { afterEach, describe, expect, it } from 'vitest'
import { Engine } from '../../core/host/engine.js'
import { MAX_CONNECTIONS, connectionLimits } from '../../core/net/connection-limits.js'
import { simKeyWrapper, waitFor } from '../../core/sim/harness.js'
import type { SimUser } from '../../core/sim/harness.js'
import { delivered, texts } from '../helpers/chat.js'
import { tempDir } from '../helpers/temp.js'
import { throwawayClient } from '../helpers/throwaway.js'
import type { Connection, Libp2p } from '@libp2p/interface'
import type { Multiaddr } from '@multiformats/multiaddr'

/**
 * A node at its connection limit still lets contacts and relays in, and
 * drops a stranger's connection to make room.
 */

const cleanups: Array<() => Promise<void>> = []
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup().catch(() => {})
})

/**
 * Strangers from `hosts` addresses in 127.0.<subnet>.0/24 open connections to
 * `target`, a few at a time and round robin, until `count()` reaches `total`.
 */
async function fillWithStrangers (target: Multiaddr, subnet: number, hosts: number, total: number, count: () => number): Promise<void> {
  const strangers = await Promise.all(Array.from({ length: hosts }, async (_, i) => await throwawayClient(`127.0.${subnet}.${i + 1}`)))
  cleanups.push(async () => { await Promise.all(strangers.map(async s => { await s.stop() })) })
  // Few dials at once, and a stranger's dials spread out: without a loopback
  // allow-list libp2p refuses more than 10 pending inbound upgrades and more
  // than 5 connections a second from one host, and it joins a dial to one
  // already in flight to the same address.
  let next = 0
  await Promise.all(Array.from({ length: 4 }, async () => {
    while (count() < total) {
      const stranger = strangers[next++ % strangers.length]
      await stranger.dial(target, { force: true, signal: AbortSignal.timeout(20_000) }).catch(() => {})
    }
  }))
}

/**
 * `client` dials `node` and is turned away during the handshake, so the
 * connection never opens there (rather than opening and being closed again).
 * The dialler may see its side of the handshake finish first.
 */
async function expectRefused (client: Libp2p, node: Libp2p): Promise<void> {
  const before = node.getConnections().length
  let opened = 0
  const onOpen = (evt: CustomEvent<Connection>): void => { if (evt.detail.remotePeer.equals(client.peerId)) opened++ }
  node.addEventListener('connection:open', onOpen)
  try {
    await client.dial(node.getMultiaddrs()[0], { signal: AbortSignal.timeout(10_000) }).catch(() => {})
    await waitFor(() => client.getConnections(node.peerId).length === 0, 10_000, 'the refused connection to close')
  } finally {
    node.removeEventListener('connection:open', onOpen)
  }
  expect(opened).toBe(0)
  expect(node.getConnections(client.peerId)).toHaveLength(0)
  expect(node.getConnections().length).toBe(before)
}

describe('connection limits', () => {
  it('with the desktop options, contacts and relays get in past the limit and strangers make room', async () => {
    const contact = await throwawayClient('127.0.2.1')
    const relay = await throwawayClient('127.0.2.2')
    cleanups.push(async () => { await contact.stop(); await relay.stop() })
    const contacts = new Set([contact.peerId.toString()])
    // What the desktop preset gives libp2p; no loopback allow-list, so libp2p's own limits apply as on a real network.
    const limits = connectionLimits({ isContact: id => contacts.has(id), relays: [relay.peerId.toString()] })
    const node = await createLibp2p({
      privateKey: await generateKeyPair('Ed25519'),
      addresses: { listen: ['/ip4/127.0.0.1/tcp/0'] },
      transports: [tcp()],
      connectionEncrypters: [noise()],
      streamMuxers: [yamux()],
      connectionManager: { maxConnections: limits.maxConnections },
      connectionGater: limits.gater,
      connectionMonitor: { enabled: false },
      services: { connectionLimits: limits.service }
    })
    cleanups.push(async () => { await node.stop() })
    const addr = node.getMultiaddrs()[0]

    await fillWithStrangers(addr, 1, 75, MAX_CONNECTIONS, () => node.getConnections().length)
    await waitFor(() => node.getConnections().length === MAX_CONNECTIONS, 10_000, `${MAX_CONNECTIONS} connections`)

    // One stranger more is refused...
    const late = await throwawayClient('127.0.3.1')
    cleanups.push(async () => { await late.stop() })
    await expectRefused(late, node)

    // ...a contact and a relay are not, and a stranger's connection goes for each.
    await contact.dial(addr, { signal: AbortSignal.timeout(10_000) })
    await relay.dial(addr, { signal: AbortSignal.timeout(10_000) })
    const inside = (peer: Libp2p): boolean => node.getConnections(peer.peerId).some(c => c.status === 'open')
    await waitFor(() => inside(contact) && inside(relay) && node.getConnections().length === MAX_CONNECTIONS, 10_000,
      `the contact and the relay in, and back to ${MAX_CONNECTIONS} connections`)
  })

  it('a daemon full of strangers still receives a new contact\'s first message', async () => {
    const root = tempDir('parley-connection-limits')
    cleanups.push(async () => { root.remove() })
    const start = async (name: string): Promise<SimUser> => {
      const dataDir = join(root.path, name)
      await Engine.init(dataDir, simKeyWrapper(), name)
      const engine = await Engine.start({ dataDir, wrapper: simKeyWrapper(), preset: 'sim', listen: ['/ip4/127.0.0.1/tcp/0'] })
      cleanups.push(async () => { await engine.stop() })
      return { name, dataDir, engine, listen: [] }
    }
    const alice = await start('alice')
    const bob = await start('bob')
    const aliceAddr = alice.engine.node.getMultiaddrs()[0]

    await fillWithStrangers(aliceAddr, 1, 60, MAX_CONNECTIONS, () => alice.engine.node.getConnections().length)
    await waitFor(() => alice.engine.node.getConnections().length === MAX_CONNECTIONS, 10_000, `${MAX_CONNECTIONS} connections`)
    const late = await throwawayClient('127.0.3.1')
    cleanups.push(async () => { await late.stop() })
    await expectRefused(late, alice.engine.node)

    // They exchange invites; Bob knows where Alice listens, as he would from the DHT.
    await alice.engine.addContact(await bob.engine.invite(), 'Bob')
    await bob.engine.addContact(await alice.engine.invite(), 'Alice')
    await bob.engine.node.peerStore.merge(alice.engine.node.peerId, { multiaddrs: [aliceAddr] })
    const message = await bob.engine.send(alice.engine.peerId, 'hello from a new contact')
    await delivered(bob, message, 20_000)
    expect(texts(alice, bob)).toEqual(['hello from a new contact'])
    await waitFor(() => alice.engine.node.getConnections().length === MAX_CONNECTIONS, 10_000, `back to ${MAX_CONNECTIONS} connections`)
    expect(alice.engine.node.getConnections(bob.engine.node.peerId).some(c => c.status === 'open')).toBe(true)
  })
})

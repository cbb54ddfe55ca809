import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { circuitRelayServer } from '@libp2p/circuit-relay-v2'
import { generateKeyPair } from '@libp2p/crypto/keys'
import { identify } from '@libp2p/identify'
import { kadDHT, passthroughMapper } from '@libp2p/kad-dht'
import { noise } from '@libp2p/noise'
import { ping } from '@libp2p/ping'
import { tcp } from '@libp2p/tcp'
import { yamux } from '@libp2p/yamux'
import { createLibp2p } from 'libp2p'
import { afterEach, describe, expect, it } from 'vitest'
import { Engine } from '../../core/host/engine.js'
import { DHT_PROTOCOL } from '../../core/net/presets.js'
import { RELAY_RETRY_CAP_MS } from '../../core/net/relay-keeper.js'
import { startRelay } from '../../core/relay/relay.js'
import { simEngineOptions, simKeyWrapper, waitFor } from '../../core/sim/harness.js'
import type { EngineOptions } from '../../core/host/engine.js'
import type { CircuitRelayService } from '@libp2p/circuit-relay-v2'
import type { PeerId, PrivateKey } from '@libp2p/interface'
import { freePort } from '../helpers/ports.js'

/** How long the engine may take to hold a reservation again once the relay serves it. */
const RECOVERY_MS = 20_000
const DELIVERY_MS = 15_000

interface TestRelay {
  peerId: PeerId
  service: CircuitRelayService
  addr: string
  stop: () => Promise<void>
}

const cleanups: Array<() => Promise<void>> = []
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup().catch(() => {})
})

function tempRoot (): string {
  const root = mkdtempSync(join(tmpdir(), 'parley-relay-recovery-'))
  cleanups.push(async () => { rmSync(root, { recursive: true, force: true }) })
  return root
}


/** Parley's relay (`parley relay`); its key lives in `dataDir`, so a restart keeps the PeerId, as does the port. */
async function parleyRelay (dataDir: string, port: number): Promise<TestRelay> {
  const relay = await startRelay({ dataDir, listen: [`/ip4/127.0.0.1/tcp/${port}`] })
  return { peerId: relay.peerId, service: relay.node.services.relay, addr: `/ip4/127.0.0.1/tcp/${port}/p2p/${relay.peerId.toString()}`, stop: relay.stop }
}

/**
 * A relay like Parley's (circuit relay server and DHT server) whose connection
 * gater can refuse reservations, as an overloaded relay does. The relay preset
 * has no gater hook, and what is under test is the engine, not the relay.
 */
async function gatedRelay (privateKey: PrivateKey, port: number, refuse: (peer: PeerId) => boolean): Promise<TestRelay> {
  const node = await createLibp2p({
    privateKey,
    addresses: { listen: [`/ip4/127.0.0.1/tcp/${port}`] },
    transports: [tcp()],
    connectionEncrypters: [noise()],
    streamMuxers: [yamux()],
    connectionManager: { allow: ['/ip4/127.0.0.0/ipcidr/8'] },
    connectionGater: { denyDialMultiaddr: () => false, denyInboundRelayReservation: refuse },
    services: {
      identify: identify(),
      ping: ping(),
      relay: circuitRelayServer(),
      dht: kadDHT({ protocol: DHT_PROTOCOL, clientMode: false, peerInfoMapper: passthroughMapper })
    }
  })
  return { peerId: node.peerId, service: node.services.relay, addr: `/ip4/127.0.0.1/tcp/${port}/p2p/${node.peerId.toString()}`, stop: async () => { await node.stop() } }
}

async function startEngine (name: string, options: EngineOptions): Promise<Engine> {
  await Engine.init(options.dataDir, simKeyWrapper(), name)
  const engine = await Engine.start(options)
  cleanups.push(async () => { await engine.stop() })
  return engine
}

/** The engine advertises a circuit address through `relay`, and the relay holds its reservation. */
function reservedOn (engine: Engine, relay: TestRelay): boolean {
  return engine.networkStatus().relayReservations.includes(relay.peerId.toString()) &&
    relay.service.reservations.has(engine.node.peerId)
}

/** A contact who knows the engine only by its invite sends a message and gets it acked: through the relay, since the engine has no direct address. */
async function reachThroughRelay (root: string, engine: Engine): Promise<void> {
  const alice = await startEngine('alice', { dataDir: join(root, 'alice'), wrapper: simKeyWrapper(), preset: 'sim', listen: ['/ip4/127.0.0.1/tcp/0'], bootstrap: [] })
  await alice.addContact(await engine.invite(), 'carol')
  const hello = await alice.send(engine.peerId, 'are you back?')
  await waitFor(() => alice.messages.get(hello.id)?.status === 'delivered', DELIVERY_MS, 'delivery through the relay')
  expect(engine.history(alice.peerId).map(m => m.text)).toEqual(['are you back?'])
  expect(alice.node.getConnections(engine.node.peerId).some(c => c.remoteAddr.toString().includes('/p2p-circuit'))).toBe(true)
}

describe('relay reservation recovery', () => {
  it('reserves again on a relay named in its listen address after the relay restarts (js-libp2p #3601)', async () => {
    const root = tempRoot()
    const port = await freePort()
    let relay = await parleyRelay(join(root, 'relay'), port)
    cleanups.push(async () => { await relay.stop() })
    // Reachable only through the relay, as `SimNetwork.addUser(name, { relayOnly: true })`.
    const carol = await startEngine('carol', simEngineOptions(join(root, 'carol'), relay.addr, { relayOnly: true }))
    await waitFor(() => reservedOn(carol, relay), RECOVERY_MS, 'the first reservation')

    await relay.stop()
    await waitFor(() => carol.networkStatus().relayReservations.length === 0, 5_000, 'the reservation to go with the connection')
    // Down long enough for a redial to fail before it comes back.
    const down = Date.now()
    await waitFor(async () => (await lastDialFailure(carol, relay)) > down, 5_000, 'a failed redial').catch(() => {})
    relay = await parleyRelay(join(root, 'relay'), port)

    await waitFor(() => reservedOn(carol, relay), RECOVERY_MS, 'the reservation after the relay restarted')
    await reachThroughRelay(root, carol)
  }, 60_000)

  it('reserves again after the relay refused the first reservation on reconnect', async () => {
    const root = tempRoot()
    const key = await generateKeyPair('Ed25519')
    const port = await freePort()
    let refusing = false
    let refused = 0
    const refuse = (): boolean => {
      if (refusing) refused++
      return refusing
    }
    let relay = await gatedRelay(key, port, refuse)
    cleanups.push(async () => { await relay.stop() })
    // Only `/p2p-circuit`: the relay is found through the bootstrap list, and there is no direct address.
    const carol = await startEngine('carol', { ...simEngineOptions(join(root, 'carol'), relay.addr), listen: ['/p2p-circuit'] })
    await waitFor(() => reservedOn(carol, relay), RECOVERY_MS, 'the first reservation')
    // Settled, as in the field: the relay is in the DHT routing table, which libp2p's relay discovery walks to find relays again.
    await waitFor(() => carol.networkStatus().dhtRoutingTableSize > 0, RECOVERY_MS, 'the relay in the routing table')

    // The relay restarts (forgetting every reservation) and at first refuses new ones.
    refusing = true
    await relay.stop()
    relay = await gatedRelay(key, port, refuse)
    await waitFor(() => refused > 0 && carol.node.getConnections(relay.peerId).length > 0, RECOVERY_MS, 'a refused reservation on a live connection')
    refusing = false

    await waitFor(() => reservedOn(carol, relay), RECOVERY_MS, 'the reservation once the relay accepts again')
    await reachThroughRelay(root, carol)
  }, 60_000)

  it('stays nearly idle while its only relay is down, and reserves again when it is back', async () => {
    const root = tempRoot()
    const port = await freePort()
    let relay = await parleyRelay(join(root, 'relay'), port)
    cleanups.push(async () => { await relay.stop() })
    const carol = await startEngine('carol', simEngineOptions(join(root, 'carol'), relay.addr))
    await waitFor(() => reservedOn(carol, relay), RECOVERY_MS, 'the first reservation')
    await waitFor(() => carol.networkStatus().dhtRoutingTableSize > 0, RECOVERY_MS, 'the relay in the routing table')

    // Offline, as far as this node can tell: its relay (and only DHT peer) is gone.
    await relay.stop()
    await new Promise(resolve => setTimeout(resolve, 2_000))
    const before = process.cpuUsage()
    const windowMs = 4_000
    await new Promise(resolve => setTimeout(resolve, windowMs))
    const used = process.cpuUsage(before)
    const share = (used.user + used.system) / 1000 / windowMs
    // libp2p's own relay search spun at 0.75–0.85 of a core here.
    expect(share).toBeLessThan(0.25)

    relay = await parleyRelay(join(root, 'relay'), port)
    await waitFor(() => reservedOn(carol, relay), RELAY_RETRY_CAP_MS + RECOVERY_MS, 'the reservation after the relay came back')
  }, 120_000)
})

/** When `engine` last failed to dial `relay`, from the peer store's record (0 if never). */
async function lastDialFailure (engine: Engine, relay: TestRelay): Promise<number> {
  const peer = await engine.node.peerStore.get(relay.peerId).catch(() => undefined)
  const stamp = peer?.metadata.get('last-dial-failure')
  return stamp == null ? 0 : Number(new TextDecoder().decode(stamp))
}

import { autoNAT } from '@libp2p/autonat'
import { bootstrap } from '@libp2p/bootstrap'
import { circuitRelayServer, circuitRelayTransport } from '@libp2p/circuit-relay-v2'
import { dcutr } from '@libp2p/dcutr'
import { identify, identifyPush } from '@libp2p/identify'
import { kadDHT, passthroughMapper, removePrivateAddressesMapper } from '@libp2p/kad-dht'
import { mdns } from '@libp2p/mdns'
import { noise } from '@libp2p/noise'
import { ping } from '@libp2p/ping'
import { tcp } from '@libp2p/tcp'
import { webRTC } from '@libp2p/webrtc'
import { webSockets } from '@libp2p/websockets'
import { yamux } from '@libp2p/yamux'
import { createLibp2p } from 'libp2p'
import { missingCase } from '../unreachable.js'
import { isLoopbackAddress } from './address-policy.js'
import { DEFAULT_INBOUND_LIMITS, inboundLimiter } from './inbound-limits.js'
import { connectionLimits } from './connection-limits.js'
import { DEFAULT_RELAY_LIMITS } from './relay-limits.js'
import { reservationGuard } from './reservation-guard.js'
import { keptRelays, relayKeeper } from './relay-keeper.js'
import type { InboundLimits } from './inbound-limits.js'
import type { RelayLimits } from './relay-limits.js'
import type { ReservationGuard } from './reservation-guard.js'
import type { KadDHT } from '@libp2p/kad-dht'
import type { CircuitRelayService } from '@libp2p/circuit-relay-v2'
import type { Identify, IdentifyPush } from '@libp2p/identify'
import type { Ping } from '@libp2p/ping'
import type { ComponentLogger, Libp2p, Metrics, PrivateKey } from '@libp2p/interface'
import type { Multiaddr } from '@multiformats/multiaddr'
import type { Datastore } from 'interface-datastore'
import type { Libp2pOptions, ServiceFactoryMap } from 'libp2p'

type TransportFactory = NonNullable<Libp2pOptions['transports']>[number]
type DiscoveryFactory = NonNullable<Libp2pOptions['peerDiscovery']>[number]

/** Private DHT: Parley peers never mix routing tables with the public IPFS DHT. */
export const DHT_PROTOCOL = '/parley/kad/1.0.0'

/**
 * identify's agent string, the same for every Parley node: libp2p's default
 * names its own version and the Node or Electron version, which tells every
 * peer which known bugs this node has and helps tell users apart.
 */
export const PARLEY_AGENT = 'parley'

/**
 * - `desktop`: what people run. TCP, WebSockets, WebRTC, relayed connections
 *   with hole punching, AutoNAT, DHT (client until reachable); mDNS on the LAN
 *   only when the user turns it on.
 * - `relay`: the public bootstrap/relay node. Listens on TCP and WebSockets,
 *   serves circuit relay v2 and the DHT, answers AutoNAT.
 * - `sim`: desktop's protocols tuned for many nodes on 127.0.0.1 — no mDNS,
 *   no WebRTC, loopback addresses kept in the DHT, never dials off-machine.
 */
export type Preset = 'desktop' | 'relay' | 'sim'

export { DEFAULT_RELAY_LIMITS }
export type { RelayLimits }


export interface NodeConfig {
  preset: Preset
  privateKey: PrivateKey
  /** Multiaddrs to listen on; each preset has a default. */
  listen?: string[]
  /** Bootstrap/relay multiaddrs, each ending in /p2p/<PeerId>. */
  bootstrap?: string[]
  /** Persists the peer store (learned addresses) across restarts. */
  datastore?: Datastore
  /** WebRTC ICE servers. Empty by default: no third-party STUN host is contacted unless configured. */
  iceServers?: RTCIceServer[]
  /** `relay` preset: reservation and data limits. */
  relayLimits?: RelayLimits
  /**
   * `relay` preset only: keep loopback addresses and accept many connections
   * from 127.0.0.1 (for tests and simulations).
   */
  loopback?: boolean
  /**
   * `desktop` preset only: discover and announce on the LAN with mDNS, which
   * tells every libp2p node there our PeerId and addresses. Off unless the
   * user turns it on (the `mdns` setting).
   */
  mdns?: boolean
  /**
   * Inbound connection limits; DEFAULT_INBOUND_LIMITS unless given. Loopback
   * setups, where every node shares 127.0.0.1, apply none unless given, so
   * that a test can set exactly the ones it crosses.
   */
  inboundLimits?: Partial<InboundLimits>
  /** `desktop` and `sim`: the user's contacts, who find room even when the node is at its connection limit. */
  isContact?: (peerId: string) => boolean
  /**
   * `desktop` preset, for tests on one machine: no mDNS, and WebRTC bound to
   * 127.0.0.1, so nothing is sent off the host. Everything else is as users run it.
   */
  sameHost?: boolean
  metrics?: (components: { logger: ComponentLogger }) => Metrics
}

export interface ParleyServices extends Record<string, unknown> {
  identify: Identify
  identifyPush: IdentifyPush
  ping: Ping
  dht: KadDHT
}

export type ParleyNode = Libp2p<ParleyServices>

export function defaultListen (preset: Preset): string[] {
  switch (preset) {
    case 'desktop': return ['/ip4/0.0.0.0/tcp/0', '/ip6/::/tcp/0', '/p2p-circuit', '/webrtc']
    case 'relay': return ['/ip4/0.0.0.0/tcp/4001', '/ip4/0.0.0.0/tcp/4002/ws']
    case 'sim': return ['/ip4/127.0.0.1/tcp/0', '/p2p-circuit']
    default: return missingCase(preset)
  }
}

export async function createParleyNode (config: NodeConfig): Promise<ParleyNode> {
  const { preset } = config
  const loopback = preset === 'sim' || config.loopback === true
  const listen = config.listen ?? defaultListen(preset)
  // With a relay among the bootstrap peers, the relay keeper reserves on it and
  // libp2p is not asked to search for relays (plain `/p2p-circuit`): while no
  // relay answers, that search walks the DHT in a tight loop, most of a core
  // for as long as a laptop is offline.
  const keeperReserves = preset !== 'relay' && listen.includes('/p2p-circuit') && keptRelays({ listen, bootstrap: config.bootstrap ?? [] }).length > 0
  const transports: TransportFactory[] = [tcp(), circuitRelayTransport()]
  if (preset !== 'sim') transports.push(webSockets())
  if (preset === 'desktop') {
    // node-datachannel takes `bindAddress`; the DOM type lacks it.
    const rtcConfiguration = { iceServers: config.iceServers ?? [], ...(config.sameHost === true ? { bindAddress: '127.0.0.1' } : {}) } as RTCConfiguration
    transports.push(webRTC({ rtcConfiguration }))
  }

  const limits = config.relayLimits ?? DEFAULT_RELAY_LIMITS
  // Relays guard their reservations; everyone else keeps room for contacts and relays.
  const guard = preset === 'relay' ? reservationGuard(limits) : undefined
  const connections = preset !== 'relay'
    ? connectionLimits({ isContact: config.isContact, relays: keptRelays({ listen, bootstrap: config.bootstrap ?? [] }).map(r => r.id.toString()) })
    : undefined
  const services: ServiceFactoryMap<ParleyServices> = {
    identify: identify(),
    identifyPush: identifyPush(),
    // kad-dht's contact check and the connection monitor ping the same peer at
    // once; with the default limit of 1 the monitor's ping fails and it aborts a
    // healthy connection. Listeners accept 2 ping streams per peer.
    ping: ping({ maxOutboundStreams: 2 }),
    dht: kadDHT({
      protocol: DHT_PROTOCOL,
      // Loopback networks can never prove reachability, so every node serves the DHT there.
      clientMode: preset === 'desktop' ? undefined : false,
      peerInfoMapper: loopback ? passthroughMapper : removePrivateAddressesMapper,
      // Simulated nodes share one CPU, so a lookup's parallel requests are not
      // free: each answer costs the answering node k peer-store reads and us up
      // to k peer-store writes. The defaults (10 disjoint paths, 10 in flight
      // each) open a lookup with ~20 requests where one answer suffices; one
      // path with Kademlia's α = 3 finds the peer as fast for ~6× less work.
      ...(preset === 'sim' ? { alpha: 3, disjointPaths: 1 } : {})
    }),
    ...(preset === 'relay'
      ? {
          relay: circuitRelayServer({
            reservations: {
              maxReservations: limits.maxReservations,
              defaultDurationLimit: limits.durationLimitMs,
              defaultDataLimit: limits.dataLimitBytes
            }
          }),
          autoNAT: autoNAT(),
          // After `relay`: the guard reads its reservations.
          ...(guard != null ? { reservationGuard: guard.service } : {})
        }
      : {}),
    ...(connections != null ? { connectionLimits: connections.service } : {}),
    ...(preset === 'desktop' ? { autoNAT: autoNAT(), dcutr: dcutr() } : {}),
    // libp2p alone does not win back a lost relay reservation (see relay-keeper.ts).
    ...(preset !== 'relay' ? { relayKeeper: relayKeeper({ listen, bootstrap: config.bootstrap ?? [], reservesFromStart: keeperReserves }) } : {})
  }

  const peerDiscovery: DiscoveryFactory[] = []
  if ((config.bootstrap ?? []).length > 0) {
    peerDiscovery.push(bootstrap({ list: config.bootstrap ?? [], timeout: loopback ? 0 : 1000 }))
  }
  // mDNS only when the user turned it on, and never in tests kept on this machine.
  if (preset === 'desktop' && config.mdns === true && config.sameHost !== true) peerDiscovery.push(mdns())
  const inbound = inboundLimitsFor(config, loopback)

  const options: Libp2pOptions<ParleyServices> = {
    privateKey: config.privateKey,
    addresses: { listen: keeperReserves ? listen.filter(a => a !== '/p2p-circuit') : listen },
    transports,
    connectionEncrypters: [noise()],
    streamMuxers: [yamux()],
    peerDiscovery,
    services,
    datastore: config.datastore,
    metrics: config.metrics,
    nodeInfo: { userAgent: PARLEY_AGENT },
    connectionManager: {
      // Non-relay nodes: libp2p's ceiling sits above the stranger limit, so
      // contacts and relays still get in (connection-limits.ts).
      ...(connections != null ? { maxConnections: connections.maxConnections } : inbound != null ? { maxConnections: inbound.maxConnections } : {}),
      ...(inbound != null
        ? { maxIncomingPendingConnections: inbound.maxIncomingPendingConnections, inboundConnectionThreshold: inbound.inboundConnectionThreshold }
        // Every simulated node shares 127.0.0.1: lift the per-host inbound limits.
        : { allow: ['/ip4/127.0.0.0/ipcidr/8'] })
    },
    connectionGater: {
      ...(inbound == null ? {} : inboundLimiter(inbound)),
      ...connections?.gater,
      ...guard?.gater,
      // Loopback setups refuse to dial anything that is not loopback.
      ...(loopback ? { denyDialMultiaddr: (addr: Multiaddr) => !isLoopbackAddress(addr) } : {})
    },
    ...(loopback
      ? {
          // The monitor pings every connection every 10 s and aborts one whose
          // ping times out. Dozens of nodes on one CPU answer late under load,
          // so it dropped healthy connections in cascades (every relay
          // connection at once); on loopback a dead peer's socket closes by itself.
          connectionMonitor: { enabled: false }
        }
      : {})
  }
  return await createLibp2p(options)
}

/** The inbound limits to apply, or undefined for none (loopback setups that set none). */
function inboundLimitsFor (config: NodeConfig, loopback: boolean): InboundLimits | undefined {
  if (loopback && config.inboundLimits == null) return undefined
  return { ...DEFAULT_INBOUND_LIMITS, ...config.inboundLimits }
}

export type RelayNode = Libp2p<ParleyServices & { relay: CircuitRelayService, reservationGuard: ReservationGuard }>

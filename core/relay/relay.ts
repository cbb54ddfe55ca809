import { prometheusMetrics } from '@libp2p/prometheus-metrics'
import { peerIdFromPrivateKey } from '@libp2p/peer-id'
import type { PeerId } from '@libp2p/interface'
import type { SingleKadDHT } from '@libp2p/kad-dht'
import { multiaddr } from '@multiformats/multiaddr'
import type { Multiaddr } from '@multiformats/multiaddr'
import { Registry } from 'prom-client'
import { ParleyError } from '../errors.js'
import { isLoopbackAddress } from '../net/address-policy.js'
import { createParleyNode, defaultListen } from '../net/presets.js'
import type { ParleyNode, RelayLimits, RelayNode } from '../net/presets.js'
import { DEFAULT_RELAY_LIMITS, LOOPBACK_RELAY_LIMITS } from '../net/relay-limits.js'
import { startMetricsServer } from './metrics-server.js'
import type { MetricsServer } from './metrics-server.js'
import { loadOrCreateRelayKey } from './relay-key.js'

export interface RelayOptions {
  /** Holds `relay.key`, the relay's persistent identity. */
  dataDir: string
  /** Default: `defaultListen('relay')`, TCP 4001 and WebSockets 4002 on all interfaces. */
  listen?: string[]
  /** Default: `DEFAULT_RELAY_LIMITS`, or `LOOPBACK_RELAY_LIMITS` in loopback mode. */
  limits?: RelayLimits
  /** Serve Prometheus metrics on 127.0.0.1:<port>/metrics. */
  metricsPort?: number
}

export interface RelayStats {
  connections: number
  reservations: number
  /** Peers in the DHT routing table. */
  dht: number
  /** Reservation requests refused since start by the per-address rate limit and caps. */
  refused: number
  /** Reservations released since start because their peer left. */
  released: number
}

export interface RunningRelay {
  node: RelayNode
  peerId: PeerId
  /** Listening addresses, each ending in /p2p/<peerId>. */
  multiaddrs: () => Multiaddr[]
  stats: () => RelayStats
  stop: () => Promise<void>
}

/**
 * Starts the bootstrap/relay node (`relay` preset) with the identity kept in
 * `dataDir`.
 *
 * When every listen address is loopback the node runs in loopback mode: it
 * keeps 127.0.0.1 addresses in the DHT, accepts any number of connections
 * from 127.0.0.1, dials only loopback addresses and, unless `limits` says
 * otherwise, caps no address's reservations (every peer there is
 * 127.0.0.1). That is what tests and simulations on one machine need, and it
 * never applies to a relay that listens on a real interface.
 */
export async function startRelay (options: RelayOptions): Promise<RunningRelay> {
  const privateKey = await loadOrCreateRelayKey(options.dataDir)
  const listen = options.listen ?? defaultListen('relay')
  const loopback = listen.every(addr => isLoopbackAddress(multiaddr(addr)))

  const registry = options.metricsPort != null ? new Registry() : undefined
  let metricsServer: MetricsServer | undefined
  if (registry != null && options.metricsPort != null) {
    metricsServer = await startMetricsServer(registry, options.metricsPort)
  }

  let node: RelayNode
  try {
    node = asRelayNode(await createParleyNode({
      preset: 'relay',
      privateKey,
      listen,
      relayLimits: options.limits ?? (loopback ? LOOPBACK_RELAY_LIMITS : DEFAULT_RELAY_LIMITS),
      loopback,
      metrics: registry != null ? prometheusMetrics({ registry }) : undefined
    }))
  } catch (err) {
    await metricsServer?.close()
    throw err
  }

  const peerId = peerIdFromPrivateKey(privateKey)
  return {
    node,
    peerId,
    multiaddrs: () => node.getMultiaddrs().map(addr => withPeerId(addr, peerId)),
    stats: () => {
      const guard = node.services.reservationGuard
      const { rate, ip, subnet } = guard.refusals
      return {
        connections: node.getConnections().length,
        reservations: node.services.relay.reservations.size,
        dht: routingTableSize(node),
        refused: rate + ip + subnet,
        released: guard.released
      }
    },
    stop: async () => {
      try {
        await node.stop()
      } finally {
        await metricsServer?.close()
      }
    }
  }
}

function asRelayNode (node: ParleyNode): RelayNode {
  if (!isRelayNode(node)) throw new ParleyError('internal', 'the relay preset built a node without the relay service')
  return node
}

function isRelayNode (node: ParleyNode): node is RelayNode {
  return node.services.relay != null && node.services.reservationGuard != null
}

function withPeerId (addr: Multiaddr, peerId: PeerId): Multiaddr {
  return addr.getComponents().at(-1)?.name === 'p2p' ? addr : addr.encapsulate(`/p2p/${peerId.toString()}`)
}

/** kad-dht's public type hides the routing table that its single-DHT implementation has. */
function routingTableSize (node: RelayNode): number {
  const dht: Partial<SingleKadDHT> = node.services.dht
  return dht.routingTable?.size ?? 0
}

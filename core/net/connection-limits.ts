import { KEEP_ALIVE } from '@libp2p/interface'
import { withDeadline } from '../deadline.js'
import { errorMessage, toError } from '../errors.js'
import { DEFAULT_INBOUND_LIMITS } from './inbound-limits.js'
import type { CircuitRelayTransportComponents } from '@libp2p/circuit-relay-v2'
import type { Connection, ConnectionGater, Logger, PeerId, Startable } from '@libp2p/interface'

/** Connections a node holds for anyone, strangers included (the inbound limits' total). */
export const MAX_CONNECTIONS = DEFAULT_INBOUND_LIMITS.maxConnections
/** Room above MAX_CONNECTIONS that only contacts and relays may use. */
export const CONNECTION_HEADROOM = 32
/** libp2p's hard ceiling: it refuses inbound sockets and prunes above this. */
export const HARD_MAX_CONNECTIONS = MAX_CONNECTIONS + CONNECTION_HEADROOM

/** Streams that leave a connection idle (libp2p's pruner treats them the same way). */
const IDLE_PROTOCOLS = new Set(['/ipfs/id/1.0.0', '/ipfs/id/push/1.0.0', '/ipfs/ping/1.0.0', '/libp2p/autonat/1.0.0', '/libp2p/dcutr'])

export interface ConnectionLimitsInit {
  /** The user's contacts, by PeerId: they find room even when the node is full. */
  isContact?: (peerId: string) => boolean
  /** Relays the node is configured with, by PeerId. */
  relays?: string[]
}

export type ConnectionLimitsComponents = Pick<CircuitRelayTransportComponents, 'connectionManager' | 'peerStore' | 'events' | 'logger'>

/**
 * Keeps a node's last connections for the peers it needs.
 *
 * libp2p alone refuses every inbound socket once it holds `maxConnections`,
 * before it knows who is calling, so strangers (DHT traffic, probes) that
 * fill a node shut out a contact's first message and a relay's reconnection.
 * libp2p's ceiling is therefore set CONNECTION_HEADROOM above
 * MAX_CONNECTIONS, and this service holds the line at MAX_CONNECTIONS
 * itself, where the peer is known: a stranger's inbound connection is
 * refused there (connection gater), a contact's or relay's is let through,
 * and a stranger's idle connection is closed to make up for it. Relays are
 * the configured ones and any peer libp2p keeps alive (a relay we hold a
 * reservation on is tagged `keep-alive-circuit-relay`).
 */
export class ConnectionLimits implements Startable {
  readonly [Symbol.toStringTag] = 'parley:connection-limits'
  private readonly log: Logger
  private readonly relays: Set<string>
  private trimming: Promise<void> | undefined
  private trimAgain = false

  constructor (private readonly components: ConnectionLimitsComponents, private readonly init: ConnectionLimitsInit) {
    this.log = components.logger.forComponent('parley:connection-limits')
    this.relays = new Set(init.relays ?? [])
  }

  start (): void {
    this.components.events.addEventListener('connection:open', this.onOpen)
  }

  stop (): void {
    this.components.events.removeEventListener('connection:open', this.onOpen)
  }

  /** The gater's question for an inbound connection whose peer is now known: true refuses it. */
  async deniesInbound (peer: PeerId): Promise<boolean> {
    if (this.components.connectionManager.getConnections().length < MAX_CONNECTIONS) return false
    if (await this.isKept(peer)) return false
    this.log('at %d connections: refused a stranger, %p', MAX_CONNECTIONS, peer)
    return true
  }

  /** A contact or a relay. */
  async isKept (peer: PeerId): Promise<boolean> {
    const id = peer.toString()
    if (this.relays.has(id) || this.init.isContact?.(id) === true) return true
    const tags = await this.components.peerStore.get(peer).then(p => [...p.tags.keys()], (): string[] => [])
    return tags.some(tag => tag.startsWith(KEEP_ALIVE))
  }

  private readonly onOpen = (): void => {
    if (this.components.connectionManager.getConnections().length <= MAX_CONNECTIONS) return
    if (this.trimming != null) {
      this.trimAgain = true
      return
    }
    this.trimming = this.trim()
      .catch(err => { this.log.error('trimming connections failed: %s', errorMessage(err)) })
      .finally(() => {
        this.trimming = undefined
        if (this.trimAgain) {
          this.trimAgain = false
          this.onOpen()
        }
      })
  }

  /** Back to MAX_CONNECTIONS by closing strangers' idle connections: inbound before outbound, newest first. */
  private async trim (): Promise<void> {
    const connections = this.components.connectionManager.getConnections()
    let excess = connections.length - MAX_CONNECTIONS
    const candidates = connections
      .filter(c => c.status === 'open' && idle(c))
      .sort((a, b) => Number(a.direction === 'outbound') - Number(b.direction === 'outbound') || b.timeline.open - a.timeline.open)
    for (const connection of candidates) {
      if (excess <= 0) return
      if (await this.isKept(connection.remotePeer)) continue
      excess--
      this.log('over %d connections: closing a stranger\'s, %p', MAX_CONNECTIONS, connection.remotePeer)
      await withDeadline(1_000, 'closing a stranger\'s connection', undefined, async signal => { await connection.close({ signal }) }).catch((err: unknown) => { connection.abort(toError(err)) })
    }
  }
}

function idle (connection: Connection): boolean {
  return connection.streams.every(s => s.protocol == null || IDLE_PROTOCOLS.has(s.protocol))
}

/**
 * The limits as libp2p options: the connection manager's ceiling, the gater
 * hook and the service. The gater exists before the node does, so it reaches
 * the service once libp2p has built it, and lets connections in until then.
 */
export function connectionLimits (init: ConnectionLimitsInit): {
  maxConnections: number
  gater: Pick<ConnectionGater, 'denyInboundEncryptedConnection'>
  service: (components: ConnectionLimitsComponents) => ConnectionLimits
} {
  let limits: ConnectionLimits | undefined
  return {
    maxConnections: HARD_MAX_CONNECTIONS,
    gater: { denyInboundEncryptedConnection: async (peer) => await limits?.deniesInbound(peer) ?? false },
    service: (components) => {
      limits = new ConnectionLimits(components, init)
      return limits
    }
  }
}

import type { ConnectionGater, MultiaddrConnection } from '@libp2p/interface'
import type { Multiaddr } from '@multiformats/multiaddr'

/**
 * How much one host or peer may ask of a node. The first three are libp2p's
 * connection-manager options; the last two a connection gater enforces
 * (`inboundLimiter`), since libp2p counts neither. Per-protocol stream limits
 * are set where each protocol is handled.
 */
export interface InboundLimits {
  /** Connections kept before libp2p prunes the least valuable. */
  maxConnections: number
  /** Inbound connections still in their handshake, from everyone together. */
  maxIncomingPendingConnections: number
  /** New inbound connections accepted per second from one host. */
  inboundConnectionThreshold: number
  /** Direct inbound connections, pending or open, from one IPv4 address or IPv6 /64 at once. */
  maxConnectionsPerIp: number
  /** Inbound connections from one PeerId at once (direct and relayed). */
  maxConnectionsPerPeer: number
}

/**
 * libp2p's own defaults for the first three. A desktop peer gets a handful of
 * connections from any one address (a contact, a relay); a relay serves
 * everyone behind a NAT through one address, so 16 leaves room for that.
 * One peer needs at most a direct, a relayed and a hole-punched connection,
 * plus one when both sides dial at once.
 */
export const DEFAULT_INBOUND_LIMITS: Readonly<InboundLimits> = Object.freeze({
  maxConnections: 300,
  maxIncomingPendingConnections: 10,
  inboundConnectionThreshold: 5,
  maxConnectionsPerIp: 16,
  maxConnectionsPerPeer: 4
})

type InboundGate = Required<Pick<ConnectionGater, 'denyInboundConnection' | 'denyInboundUpgradedConnection'>>

/**
 * A connection gater that refuses an inbound connection once its IP address
 * (IPv6: its /64, what one subscriber gets) or its PeerId already has the
 * limit open. Each connection counts from when it is admitted until it closes.
 * Relayed connections have no address of their own and count per peer only.
 */
export function inboundLimiter (limits: Pick<InboundLimits, 'maxConnectionsPerIp' | 'maxConnectionsPerPeer'>): InboundGate {
  const perIp = new Map<string, number>()
  const perPeer = new Map<string, number>()
  return {
    denyInboundConnection: (maConn) => {
      const host = hostKey(maConn.remoteAddr)
      if (host == null) return false
      return !admit(perIp, host, limits.maxConnectionsPerIp, maConn)
    },
    denyInboundUpgradedConnection: (peerId, maConn) => !admit(perPeer, peerId.toString(), limits.maxConnectionsPerPeer, maConn)
  }
}

/** Counts `maConn` against `key` unless `key` is at `limit`; the count drops when it closes. */
function admit (counts: Map<string, number>, key: string, limit: number, maConn: MultiaddrConnection): boolean {
  const open = counts.get(key) ?? 0
  if (open >= limit) return false
  counts.set(key, open + 1)
  const release = (): void => {
    const left = (counts.get(key) ?? 1) - 1
    if (left <= 0) counts.delete(key)
    else counts.set(key, left)
  }
  if (maConn.status === 'closed' || maConn.status === 'aborted' || maConn.status === 'reset') release()
  else maConn.addEventListener('close', release, { once: true })
  return true
}

/** The address a direct connection comes from, IPv6 cut to its /64; undefined for a relayed one. */
export function hostKey (addr: Multiaddr): string | undefined {
  const components = addr.getComponents()
  if (components.some(c => c.name === 'p2p-circuit')) return undefined
  const ip = components.find(c => c.name === 'ip4' || c.name === 'ip6')
  if (ip?.value == null) return undefined
  return ip.name === 'ip6' ? ipv6Slash64(ip.value) : ip.value
}

function ipv6Slash64 (address: string): string {
  const [head, tail] = address.split('%')[0].split('::')
  const left = head === '' ? [] : head.split(':')
  const right = tail == null || tail === '' ? [] : tail.split(':')
  const groups = tail == null ? left : [...left, ...Array<string>(Math.max(0, 8 - left.length - right.length)).fill('0'), ...right]
  return `${groups.slice(0, 4).map(g => Number.parseInt(g, 16).toString(16)).join(':')}::/64`
}

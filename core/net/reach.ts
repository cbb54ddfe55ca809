import { multiaddr } from '@multiformats/multiaddr'
import { peerIdFromString } from '@libp2p/peer-id'
import { ParleyError, errorMessage } from '../errors.js'
import type { ParleyNode } from './presets.js'
import type { AbortOptions, Connection } from '@libp2p/interface'

/**
 * Finds a live connection to a peer, trying the cheap routes first:
 * an open connection, the addresses in the peer store, the relays named in
 * the peer's invite, then a DHT lookup. Relayed connections count: Parley's
 * protocols run on limited connections too.
 */
export async function connectToPeer (node: ParleyNode, peerIdText: string, relayHints: string[], options: AbortOptions = {}): Promise<Connection> {
  const peerId = peerIdFromString(peerIdText)
  const open = openConnection(node, peerIdText)
  if (open != null) return open

  const failures: string[] = []
  const known = await node.peerStore.get(peerId).then(p => p.addresses.length, () => 0)
  if (known > 0) {
    try {
      return await node.dial(peerId, options)
    } catch (err) {
      options.signal?.throwIfAborted()
      failures.push(`known addresses: ${errorMessage(err)}`)
    }
  }
  const circuits = relayHints.map(relay => multiaddr(`${relay}/p2p-circuit/p2p/${peerIdText}`))
  if (circuits.length > 0) {
    try {
      return await node.dial(circuits, options)
    } catch (err) {
      options.signal?.throwIfAborted()
      failures.push(`invite relays: ${errorMessage(err)}`)
    }
  }
  try {
    // The addresses we had just failed: ask the network, not the peer store
    // (a cached lookup would hand the same addresses back).
    if (known > 0) await node.peerRouting.findPeer(peerId, { ...options, useCache: false })
    // With no addresses, dial() looks the peer up itself. Looking up first would
    // cost two lookups whenever the peer is still in our routing table: the
    // query dials the peer it is looking for, and that dial, having no pending
    // dial to join, starts a lookup of its own.
    return await node.dial(peerId, options)
  } catch (err) {
    options.signal?.throwIfAborted()
    failures.push(`DHT: ${errorMessage(err)}`)
  }
  throw new ParleyError('peer_unreachable', `could not reach ${peerIdText} (${failures.join('; ')})`)
}

/** An open connection to the peer, a direct one before a relayed one. */
export function openConnection (node: ParleyNode, peerIdText: string): Connection | undefined {
  const open = node.getConnections(peerIdFromString(peerIdText)).filter(c => c.status === 'open')
  return open.find(c => c.limits == null) ?? open[0]
}

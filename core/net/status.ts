import { isLoopback, isPrivate } from '@libp2p/utils'
import type { ParleyNode } from './presets.js'
import type { Multiaddr } from '@multiformats/multiaddr'

export type Reachability = 'public' | 'relayed' | 'private' | 'unknown'

export interface NodeStatus {
  peerId: string
  listenAddresses: string[]
  connections: Array<{ peerId: string, address: string, direction: 'inbound' | 'outbound', limited: boolean }>
  relayReservations: string[]
  nat: Reachability
  dhtRoutingTableSize: number
}

/** A snapshot of what the node can tell about its place in the network. */
export function nodeStatus (node: ParleyNode): NodeStatus {
  const addresses = node.getMultiaddrs()
  return {
    peerId: node.peerId.toString(),
    listenAddresses: addresses.map(a => a.toString()),
    connections: node.getConnections().filter(c => c.status === 'open').map(c => ({
      peerId: c.remotePeer.toString(),
      address: c.remoteAddr.toString(),
      direction: c.direction,
      limited: c.limits != null
    })),
    relayReservations: relaysOf(addresses),
    nat: reachability(addresses),
    dhtRoutingTableSize: routingTableSize(node.services.dht)
  }
}

function isCircuit (addr: Multiaddr): boolean {
  return addr.getComponents().some(c => c.name === 'p2p-circuit')
}

/** Our circuit addresses read `<relay addr>/p2p/<relay id>/p2p-circuit/…`: the relay's id precedes the circuit. */
function relaysOf (addresses: Multiaddr[]): string[] {
  const relays = new Set<string>()
  for (const addr of addresses) {
    const components = addr.getComponents()
    const circuit = components.findIndex(c => c.name === 'p2p-circuit')
    const relay = circuit > 0 ? components[circuit - 1] : undefined
    if (relay?.name === 'p2p' && relay.value != null) relays.add(relay.value)
  }
  return [...relays]
}

/**
 * libp2p lists only addresses it believes others can use (AutoNAT confirms
 * public ones), so the kinds of address listed say how we are reachable.
 */
function reachability (addresses: Multiaddr[]): Reachability {
  if (addresses.length === 0) return 'unknown'
  const direct = addresses.filter(a => !isCircuit(a))
  if (direct.some(a => !isPrivate(a) && !isLoopback(a))) return 'public'
  if (addresses.some(isCircuit)) return 'relayed'
  return 'private'
}

/** kad-dht's public type hides the routing table; its implementation has one. */
function routingTableSize (dht: unknown): number {
  if (typeof dht !== 'object' || dht == null || !('routingTable' in dht)) return 0
  const table = dht.routingTable
  if (typeof table !== 'object' || table == null || !('size' in table)) return 0
  return typeof table.size === 'number' ? table.size : 0
}

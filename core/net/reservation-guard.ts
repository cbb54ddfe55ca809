import { ParleyError } from '../errors.js'
import { addressGroups } from './address-groups.js'
import { AttemptBudget } from './attempt-budget.js'
import type { AddressGroups } from './address-groups.js'
import type { RelayLimits } from './relay-limits.js'
import type { CircuitRelayService, CircuitRelayServerComponents } from '@libp2p/circuit-relay-v2'
import type { ConnectionGater, CounterGroup, Libp2pEvents, Logger, PeerId, Startable, TypedEventTarget } from '@libp2p/interface'

/**
 * An approved request becomes a reservation a moment later (the relay writes
 * it after our answer): until then it still counts against its address, so
 * two requests racing through the gater cannot both take the last place.
 */
const PENDING_APPROVAL_MS = 1_000

export type RefusalReason = 'rate' | 'ip' | 'subnet'

export type ReservationGuardInit = Pick<RelayLimits, 'maxReservationsPerIp' | 'maxReservationsPerSubnet' | 'reservationsPerMinute' | 'keptForNewPeers'>

export type ReservationGuardComponents = Pick<CircuitRelayServerComponents, 'connectionManager' | 'logger' | 'metrics'> & {
  events: TypedEventTarget<Libp2pEvents>
  /** The relay server; the guard must be listed after it among the node's services. */
  relay?: CircuitRelayService
}

/**
 * Keeps a relay's reservations for the peers that use them.
 *
 * circuit-relay-v2 (4.2.x) holds a reservation for its full TTL (two hours)
 * whether or not its peer is still there, and admits any peer while it has
 * room, so throwaway identities could take every slot within a minute. This
 * service releases a reservation as soon as its peer's last connection
 * closes, and answers the connection gater's `denyInboundRelayReservation`:
 * a per-address attempt budget (renewals may not spend the part kept for
 * newcomers), then caps on the reservations held per address and per subnet.
 * A refused peer reads PERMISSION_DENIED; a full relay still answers
 * RESERVATION_REFUSED itself.
 */
export class ReservationGuard implements Startable {
  readonly [Symbol.toStringTag] = 'parley:reservation-guard'
  /** Refused requests since start, by reason. */
  readonly refusals: Record<RefusalReason, number> = { rate: 0, ip: 0, subnet: 0 }
  /** Reservations released because their peer left. */
  released = 0
  private readonly budget: AttemptBudget | undefined
  /** Approved requests not yet in the relay's store, by PeerId. */
  private readonly pending = new Map<string, { peer: PeerId, groups: AddressGroups, at: number }>()
  private readonly log: Logger
  private readonly refusedMetric: CounterGroup | undefined
  private readonly relay: CircuitRelayService

  constructor (private readonly components: ReservationGuardComponents, private readonly init: ReservationGuardInit) {
    this.log = components.logger.forComponent('parley:reservation-guard')
    if (components.relay == null) throw new ParleyError('internal', 'the reservation guard needs the relay service, listed before it')
    this.relay = components.relay
    const perMinute = init.reservationsPerMinute
    this.budget = perMinute == null ? undefined : new AttemptBudget({ perMinute, keptForNew: init.keptForNewPeers ?? 0 })
    this.refusedMetric = components.metrics?.registerCounterGroup('parley_relay_reservations_refused_total', {
      help: 'Reservation requests refused by the per-address rate limit and caps', label: 'reason'
    })
  }

  start (): void {
    this.components.events.addEventListener('peer:disconnect', this.onDisconnect)
  }

  stop (): void {
    this.components.events.removeEventListener('peer:disconnect', this.onDisconnect)
    this.pending.clear()
  }

  /** The gater's question: true refuses the peer's reservation request. */
  denies (peer: PeerId): boolean {
    const groups = this.groupsOf(peer)
    const renewal = this.relay.reservations.has(peer)
    if (this.budget?.take(groups.ip, renewal ? 'renewal' : 'new') === false) return this.refuse(peer, 'rate')
    // A renewal keeps the place it has.
    if (renewal) return false
    const held = this.held(groups)
    if (this.init.maxReservationsPerIp != null && held.ip >= this.init.maxReservationsPerIp) return this.refuse(peer, 'ip')
    if (this.init.maxReservationsPerSubnet != null && held.subnet >= this.init.maxReservationsPerSubnet) return this.refuse(peer, 'subnet')
    this.pending.set(peer.toString(), { peer, groups, at: performance.now() })
    return false
  }

  /** Where the peer's direct connection comes from (reservations are never made over relayed ones). */
  private groupsOf (peer: PeerId): AddressGroups {
    const direct = this.components.connectionManager.getConnections(peer).filter(c => c.status === 'open' && c.limits == null)
    const addr = direct.at(-1)?.remoteAddr
    // Not an IP: the relay's transports never produce one, but such peers share one group rather than escape the caps.
    return (addr == null ? undefined : addressGroups(addr)) ?? { ip: 'other', subnet: 'other' }
  }

  /** Reservations held (and approved a moment ago) from the same address and subnet. */
  private held (groups: AddressGroups): { ip: number, subnet: number } {
    const counts = { ip: 0, subnet: 0 }
    const add = (other: AddressGroups): void => {
      if (other.subnet !== groups.subnet) return
      counts.subnet++
      if (other.ip === groups.ip) counts.ip++
    }
    const reservations = this.relay.reservations
    for (const reservation of reservations.values()) add(addressGroups(reservation.addr) ?? { ip: 'other', subnet: 'other' })
    const stale = performance.now() - PENDING_APPROVAL_MS
    for (const [key, approval] of this.pending) {
      if (approval.at < stale || reservations.has(approval.peer)) this.pending.delete(key)
      else add(approval.groups)
    }
    return counts
  }

  private refuse (peer: PeerId, reason: RefusalReason): true {
    this.refusals[reason]++
    this.refusedMetric?.increment({ [reason]: true })
    this.log('refused a reservation for %p (%s)', peer, reason)
    return true
  }

  /** The peer's last connection closed: its reservation could not carry a relayed connection any more. */
  private readonly onDisconnect = (evt: CustomEvent<PeerId>): void => {
    const reservations = this.relay.reservations
    const reservation = reservations.get(evt.detail)
    if (reservation == null) return
    // Stops the expiry timer, which would otherwise live on for the rest of the TTL.
    reservation.signal.clear()
    reservations.delete(evt.detail)
    this.released++
  }
}

/**
 * The guard as a libp2p service plus the connection gater hook that consults
 * it. The gater exists before the node (it is part of the node's options), so
 * it reaches the guard once libp2p has built it, and refuses until then.
 */
export function reservationGuard (init: ReservationGuardInit): {
  gater: Pick<ConnectionGater, 'denyInboundRelayReservation'>
  service: (components: ReservationGuardComponents) => ReservationGuard
} {
  let guard: ReservationGuard | undefined
  return {
    gater: { denyInboundRelayReservation: (peer) => guard?.denies(peer) ?? true },
    service: (components) => {
      guard = new ReservationGuard(components, init)
      return guard
    }
  }
}

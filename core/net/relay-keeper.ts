import { setTimeout as sleep } from 'node:timers/promises'
import { RELAY_V2_HOP_CODEC } from '@libp2p/circuit-relay-v2'
import { peerIdFromString } from '@libp2p/peer-id'
import { multiaddr } from '@multiformats/multiaddr'
import { withDeadline } from '../deadline.js'
import { errorMessage } from '../errors.js'
import type { CircuitRelayTransportComponents } from '@libp2p/circuit-relay-v2'
import type { Listener, Logger, PeerId, Startable } from '@libp2p/interface'
import type { Multiaddr } from '@multiformats/multiaddr'

/** The first retry comes after about this long; each failed attempt doubles it up to the cap. */
export const RELAY_RETRY_BASE_MS = 1_000
export const RELAY_RETRY_CAP_MS = 60_000
/** While a reservation holds, how often it is checked anyway (events can be missed). */
export const RELAY_IDLE_CHECK_MS = 60_000
/** libp2p's own bootstrap dial and reservation get this head start when the node starts. */
export const RELAY_STARTUP_GRACE_MS = 5_000
/** After we reconnect to a relay, libp2p's relay discovery gets this long to reserve by itself. */
export const RELAY_RECONNECT_GRACE_MS = 2_000
/** How often, within that grace, the keeper looks whether it can go on. */
const RELAY_GRACE_POLL_MS = 100
const RELAY_DIAL_TIMEOUT_MS = 10_000

export interface RelayKeeperInit {
  /** The node's listen addresses: with no `/p2p-circuit` among them, the keeper does nothing. */
  listen: string[]
  /** Bootstrap peers; those with a `/p2p/<id>` are the relays to keep a reservation on. */
  bootstrap: string[]
  /**
   * libp2p is not searching for relays (its plain `/p2p-circuit` listen
   * address was withheld): the keeper reserves from the start instead of
   * standing by, and never waits for libp2p to reserve by itself.
   */
  reservesFromStart?: boolean
}

/** The parts of libp2p the keeper uses; the circuit relay transport gets the same. */
export type RelayKeeperComponents = Pick<CircuitRelayTransportComponents,
'addressManager' | 'connectionManager' | 'transportManager' | 'peerStore' | 'events' | 'logger'>

interface Relay {
  id: PeerId
  addr: Multiaddr
}

/**
 * A libp2p service that keeps the node reachable through one of its relays.
 *
 * circuit-relay-v2 (4.2.x) makes a reservation when it meets a relay, but never
 * retries one that failed while the relay connection stays open (the relay
 * refused or was slow), and never re-reserves a relay named in a
 * `<relay>/p2p-circuit` listen address once that connection closed
 * (js-libp2p #3601). Both leave the node unreachable by its invite until
 * restart. So: while no bootstrap relay holds a reservation for us, redial a
 * relay, and if libp2p still has not reserved by itself, ask it to listen on
 * `<relay>/p2p-circuit`, with capped, jittered exponential backoff.
 *
 * When a bootstrap relay is known, `createParleyNode` withholds the plain
 * `/p2p-circuit` listen address from libp2p and the keeper reserves from the
 * start (`reservesFromStart`): libp2p's relay search walks the DHT in a tight
 * loop while no relay answers. Otherwise it stands by behind that search.
 *
 * Listening goes through the transport manager, as the relay transport itself
 * does when a peer reaches us through a relay we hold no reservation on: the
 * reservation, its refresh and the advertised `/p2p-circuit` address then stay
 * libp2p's. One listener is made and then reused, because the transport
 * manager keeps every listener it made until the node stops. It is a libp2p
 * service, not engine code, because only services are handed the transport
 * and address managers; it starts and stops with the node.
 */
export class RelayKeeper implements Startable {
  readonly [Symbol.toStringTag] = 'parley:relay-keeper'
  private readonly relays: Relay[]
  private readonly log: Logger
  private running = false
  private timer: ReturnType<typeof setTimeout> | undefined
  /** True while the pending timer is a slow check (start-up, or a healthy reservation), which an event may bring forward. */
  private idle = false
  private wasReserved = false
  private failures = 0
  private nextDial = 0
  private listener: Listener | undefined
  private controller = new AbortController()
  private readonly reservesFromStart: boolean

  constructor (private readonly components: RelayKeeperComponents, init: RelayKeeperInit) {
    this.log = components.logger.forComponent('parley:relay-keeper')
    this.relays = init.listen.some(a => a.includes('/p2p-circuit')) ? keptRelays(init) : []
    this.reservesFromStart = init.reservesFromStart === true
  }

  start (): void {
    if (this.relays.length === 0) return
    this.running = true
    this.controller = new AbortController()
    this.components.events.addEventListener('self:peer:update', this.onChange)
    this.components.events.addEventListener('peer:disconnect', this.onChange)
    this.components.events.addEventListener('transport:listening', this.onChange)
  }

  /** After the transports listen: asking them to listen on a relay before that would fail. */
  afterStart (): void {
    if (this.running) this.schedule(this.reservesFromStart ? 0 : RELAY_STARTUP_GRACE_MS, true)
  }

  stop (): void {
    this.running = false
    clearTimeout(this.timer)
    this.timer = undefined
    this.controller.abort()
    this.components.events.removeEventListener('self:peer:update', this.onChange)
    this.components.events.removeEventListener('peer:disconnect', this.onChange)
    this.components.events.removeEventListener('transport:listening', this.onChange)
  }

  /** Whether a relay from the list holds a reservation for us: our addresses then include `<relay>/p2p/<id>/p2p-circuit`. */
  reserved (): boolean {
    const ids = new Set(this.relays.map(r => r.id.toString()))
    return this.components.addressManager.getAddresses().some(addr => {
      const components = addr.getComponents()
      const circuit = components.findIndex(c => c.name === 'p2p-circuit')
      const relay = circuit > 0 ? components[circuit - 1] : undefined
      return relay?.name === 'p2p' && relay.value != null && ids.has(relay.value)
    })
  }

  /** Addresses changed, a listener (a reservation) came or went, or a peer left: if that cost us the reservation, recover now rather than at the next slow check. */
  private readonly onChange = (): void => {
    const reserved = this.reserved()
    const lost = this.wasReserved && !reserved
    this.wasReserved = reserved
    if (lost && this.running && this.idle) {
      this.log('lost the relay reservation')
      this.schedule(this.backoff(), false)
    }
  }

  private schedule (delayMs: number, idle: boolean): void {
    clearTimeout(this.timer)
    this.idle = idle
    this.timer = setTimeout(() => {
      this.timer = undefined
      this.idle = false
      this.tick().catch(err => { this.log.error('relay check failed: %s', errorMessage(err)) })
    }, delayMs)
  }

  private async tick (): Promise<void> {
    if (!this.running) return
    if (!this.reserved()) {
      await this.attempt().catch(err => {
        if (this.running) this.log('relay reservation attempt %d failed: %s', this.failures + 1, oneLine(err))
      })
    }
    if (!this.running) return
    this.wasReserved = this.reserved()
    if (this.wasReserved) {
      if (this.failures > 0) this.log('relay reservation is back after %d failed attempts', this.failures)
      this.failures = 0
      this.schedule(RELAY_IDLE_CHECK_MS, true)
      return
    }
    this.failures++
    this.schedule(this.backoff(), false)
  }

  /** One try: reconnect to a relay if we have none, give libp2p a moment to reserve by itself, then ask it to listen. */
  private async attempt (): Promise<void> {
    let relay = await this.connectedRelay()
    if (relay == null) {
      // Round robin, so one dead relay does not hide the others.
      const target = this.relays[this.nextDial++ % this.relays.length]
      this.log('no relay reservation; dialling %p (attempt %d)', target.id, this.failures + 1)
      await withDeadline(RELAY_DIAL_TIMEOUT_MS, 'a relay dial', this.controller.signal, async signal => await this.components.connectionManager.openConnection(target.addr, { signal }))
      // Identify has to tell us that the relay speaks the hop protocol; and
      // when libp2p searches for relays, the new connection makes it reserve by itself.
      const deadline = performance.now() + RELAY_RECONNECT_GRACE_MS
      while (performance.now() < deadline) {
        if (this.reserved()) return
        if (this.reservesFromStart && (relay = await this.connectedRelay()) != null) break
        await sleep(RELAY_GRACE_POLL_MS, undefined, { signal: this.controller.signal })
      }
      relay ??= await this.connectedRelay()
      if (relay == null) throw new Error(`${target.id.toString()} is connected but offers no relay service`)
    }
    this.log('no relay reservation; asking %p for one (attempt %d)', relay.id, this.failures + 1)
    await this.listen(relay)
  }

  /** A relay we hold a direct connection to and that speaks the relay (hop) protocol. */
  private async connectedRelay (): Promise<Relay | undefined> {
    for (const relay of this.relays) {
      const direct = this.components.connectionManager.getConnections(relay.id).some(c => c.status === 'open' && c.limits == null)
      if (!direct) continue
      // Asking a peer that lacks the protocol would make libp2p shun it as a relay for good.
      const protocols = await this.components.peerStore.get(relay.id).then(p => p.protocols, (): string[] => [])
      if (protocols.includes(RELAY_V2_HOP_CODEC)) return relay
    }
    return undefined
  }

  private async listen (relay: Relay): Promise<void> {
    const addr = relay.addr.encapsulate('/p2p-circuit')
    if (this.listener != null) {
      await this.listener.listen(addr)
      return
    }
    const transports = this.components.transportManager
    const before = new Set(transports.getListeners())
    try {
      await transports.listen([addr])
    } finally {
      // Kept even when listening failed: the transport manager keeps it anyway.
      this.listener = transports.getListeners().find(l => !before.has(l))
    }
  }

  private backoff (): number {
    const delay = Math.min(RELAY_RETRY_CAP_MS, RELAY_RETRY_BASE_MS * 2 ** this.failures)
    return delay * (0.5 + Math.random() * 0.5)
  }
}

/** The bootstrap peers and the relays of `<relay>/p2p-circuit` listen addresses, once each, that name a PeerId and are not themselves relayed. */
export function keptRelays (init: Pick<RelayKeeperInit, 'listen' | 'bootstrap'>): Relay[] {
  const candidates = [
    ...init.bootstrap,
    ...init.listen.filter(a => a.endsWith('/p2p-circuit') && a !== '/p2p-circuit').map(a => a.slice(0, -'/p2p-circuit'.length))
  ]
  const relays = new Map<string, Relay>()
  for (const text of candidates) {
    let addr: Multiaddr
    try {
      addr = multiaddr(text)
    } catch {
      continue
    }
    const components = addr.getComponents()
    const id = components.findLast(c => c.name === 'p2p')?.value
    if (id == null || components.some(c => c.name === 'p2p-circuit') || relays.has(id)) continue
    relays.set(id, { id: peerIdFromString(id), addr })
  }
  return [...relays.values()]
}

/** libp2p's listen errors carry the failing address and the cause's stack on many lines; a log line wants the words. */
function oneLine (err: unknown): string {
  return errorMessage(err).split('\n').map(l => l.trim()).filter(l => l !== '' && !l.startsWith('at ')).join(' ')
}

/** The keeper as a libp2p service (see {@link RelayKeeper}). */
export function relayKeeper (init: RelayKeeperInit): (components: RelayKeeperComponents) => RelayKeeper {
  return (components) => new RelayKeeper(components, init)
}

import { peerIdFromString } from '@libp2p/peer-id'
import { bytes, equalBytes, fromHex } from '../bytes.js'
import { abortReason, deadline, untilAborted, withDeadline } from '../deadline.js'
import { bundleFromWire } from '../e2ee/prekeys.js'
import { fetchBundle } from '../e2ee/prekey-protocol.js'
import { ParleyError, errorMessage, toError } from '../errors.js'
import { connectToPeer, openConnection } from '../net/reach.js'
import { readFrames, sendFrame } from '../wire/frames.js'
import { FRAME_TIMEOUT_MS, MAX_UNACKED_ENVELOPES } from '../wire/limits.js'
import { Ack, Envelope } from '../wire/parley.js'
import { StallWatchdog } from '../watchdog.js'
import { MESSAGE_PROTOCOL } from './receiver.js'
import { SessionRecovery } from './session-recovery.js'
import { missingCase } from '../unreachable.js'
import type { ChatEvents, MessageStatusChange } from './events.js'
import type { Sessions } from '../e2ee/session.js'
import type { ParleyNode } from '../net/presets.js'
import type { ContactsRepository } from '../store/contacts-repo.js'
import type { ParleyDatabase } from '../store/database.js'
import type { MessagesRepository, OutboxEntry } from '../store/messages-repo.js'
import type { WatchedTask } from '../watchdog.js'
import type { Connection, IdentifyResult, Logger, PeerId } from '@libp2p/interface'
import type { TypedEventTarget } from 'main-event'

/** First retry after this long; each failure doubles it up to the cap. */
export const RETRY_BASE_MS = 1_000
export const RETRY_CAP_MS = 60_000
/** How long an attempt may take to reach the peer and start a session. */
export const ATTEMPT_TIMEOUT_MS = 30_000
/**
 * The watchdog aborts an attempt that made no progress (reached the peer,
 * started a session, sent or got acks) for this long. Every wait has a
 * shorter deadline of its own; this is the backstop behind them.
 */
export const STALL_TIMEOUT_MS = ATTEMPT_TIMEOUT_MS + 5_000
const STALL_CHECK_MS = 1_000

export interface OutboxComponents {
  db: ParleyDatabase
  node: ParleyNode
  sessions: Sessions
  contacts: ContactsRepository
  messages: MessagesRepository
  events: TypedEventTarget<ChatEvents>
  log: Logger
}

/** One delivery attempt; the watchdog and stop() abort it through its controller. */
interface Attempt {
  controller: AbortController
  watched: WatchedTask
  /** Set while the attempt is still looking for the peer: the peer connected meanwhile. */
  connected?: () => void
  /** Set while a stream is open: wakes it to pick up newly queued messages. */
  notify?: () => void
}

interface PeerState {
  running: boolean
  again: boolean
  attempt?: Attempt
  failures: number
  timer?: ReturnType<typeof setTimeout>
}

/**
 * Delivers queued messages, one worker per peer so a peer's messages leave in
 * sequence order. A failed attempt is retried with capped exponential
 * backoff, and at once when the peer connects or is discovered. A peer that
 * connects while an attempt is still looking for it cuts the search short:
 * the attempt goes on over the new connection. Messages stay in the outbox
 * (in the database) until the peer acks them.
 */
export class Outbox {
  private readonly peers = new Map<string, PeerState>()
  private readonly controller = new AbortController()
  private readonly recovery: SessionRecovery
  private readonly watchdog: StallWatchdog
  private started = false

  constructor (private readonly c: OutboxComponents) {
    this.recovery = new SessionRecovery(c)
    this.watchdog = new StallWatchdog({
      limitMs: STALL_TIMEOUT_MS,
      checkEveryMs: STALL_CHECK_MS,
      onStall: (what, silentMs) => { this.c.log.error('%s made no progress for %d ms; aborting it', what, silentMs) }
    })
  }

  start (): void {
    this.started = true
    this.c.node.addEventListener('peer:connect', this.onConnect)
    this.c.node.addEventListener('peer:identify', this.onIdentify)
    this.c.node.addEventListener('peer:discovery', this.onDiscovery)
    for (const peerId of this.c.messages.peersWithPending()) this.kick(peerId, { force: true })
  }

  stop (): void {
    this.started = false
    this.controller.abort(new Error('the engine is stopping'))
    this.watchdog.stop()
    this.c.node.removeEventListener('peer:connect', this.onConnect)
    this.c.node.removeEventListener('peer:identify', this.onIdentify)
    this.c.node.removeEventListener('peer:discovery', this.onDiscovery)
    for (const state of this.peers.values()) clearTimeout(state.timer)
  }

  /**
   * Try to deliver the peer's queued messages now. While the peer is in
   * backoff after a failed attempt, only `force` (the peer connected or was
   * discovered) cuts the wait short: new messages alone must not turn an
   * unreachable peer into a busy retry loop.
   */
  kick (peerId: string, options: { force?: boolean } = {}): void {
    if (!this.started) return
    const state = this.state(peerId)
    if (state.running) {
      state.again = true
      state.attempt?.notify?.()
      return
    }
    if (state.timer != null && options.force !== true) return
    void this.run(peerId, state)
  }

  private readonly onConnect = (event: CustomEvent<PeerId>): void => {
    this.connected(event.detail.toString())
  }

  private readonly onIdentify = (event: CustomEvent<IdentifyResult>): void => {
    this.connected(event.detail.peerId.toString())
  }

  /** The peer has a live connection: an attempt still looking for it takes it, a peer in backoff is tried now. */
  private connected (peerId: string): void {
    const state = this.peers.get(peerId)
    if (state == null) return
    state.attempt?.connected?.()
    this.kick(peerId, { force: true })
  }

  private readonly onDiscovery = (event: CustomEvent<{ id: { toString: () => string } }>): void => {
    const peerId = event.detail.id.toString()
    if (this.peers.has(peerId)) this.kick(peerId, { force: true })
  }

  private state (peerId: string): PeerState {
    let state = this.peers.get(peerId)
    if (state == null) {
      state = { running: false, again: false, failures: 0 }
      this.peers.set(peerId, state)
    }
    return state
  }

  private async run (peerId: string, state: PeerState): Promise<void> {
    state.running = true
    clearTimeout(state.timer)
    state.timer = undefined
    try {
      do {
        state.again = false
        await this.attempt(peerId, state)
      } while (state.again && this.started)
      state.failures = 0
      // Nothing left: forget the peer so events about it cost nothing.
      if (this.c.messages.pending(peerId, 1).length === 0) this.peers.delete(peerId)
    } catch (err) {
      if (!this.started) return
      state.failures++
      const delay = Math.min(RETRY_CAP_MS, RETRY_BASE_MS * 2 ** (state.failures - 1)) * (0.8 + Math.random() * 0.4)
      this.c.log('delivery to %s failed (%d): %s; retry in %d ms', peerId, state.failures, errorMessage(err), Math.round(delay))
      const ids = this.c.messages.pending(peerId, MAX_UNACKED_ENVELOPES).map(e => e.messageId)
      await this.c.db.write(() => { this.c.messages.recordAttempt(ids, errorMessage(err)) }).catch(() => {})
      state.timer = setTimeout(() => {
        state.timer = undefined
        this.kick(peerId)
      }, delay)
      state.timer.unref?.()
    } finally {
      state.running = false
      // Work that arrived during a successful run goes now; after a failure the backoff timer decides.
      if (state.again && this.started && state.timer == null) this.kick(peerId)
    }
  }

  /**
   * One attempt under its own controller, watched for progress. Ends as soon
   * as the controller aborts, even if something inside ignores the signal;
   * whatever is left of it then finds the signal aborted at its next step.
   */
  private async attempt (peerId: string, state: PeerState): Promise<void> {
    const controller = new AbortController()
    const attempt: Attempt = { controller, watched: this.watchdog.watch(`delivery to ${peerId}`, controller) }
    const onStop = (): void => { controller.abort(abortReason(this.controller.signal)) }
    if (this.controller.signal.aborted) onStop()
    this.controller.signal.addEventListener('abort', onStop)
    state.attempt = attempt
    try {
      await untilAborted(this.deliverAll(peerId, attempt), controller.signal)
    } finally {
      this.controller.signal.removeEventListener('abort', onStop)
      attempt.watched.release()
      if (state.attempt === attempt) state.attempt = undefined
    }
  }

  private async deliverAll (peerId: string, attempt: Attempt): Promise<void> {
    if (this.c.messages.pending(peerId, 1).length === 0) return
    const contact = this.c.contacts.get(peerId)
    if (contact == null) {
      await this.fail(peerId, 'the contact was removed')
      return
    }
    if (contact.identityChanged) {
      await this.fail(peerId, 'identity_changed: this contact\'s safety number changed; verify and accept it to send')
      return
    }
    const connection = await withDeadline(ATTEMPT_TIMEOUT_MS, `reaching ${peerId} and starting a session`, attempt.controller.signal, async signal => {
      const found = await this.reach(peerId, contact.relays, attempt, signal)
      attempt.watched.progress()
      if (!(await this.c.sessions.has(peerId))) await this.startSession(peerId, contact.identityKey, found, signal)
      return found
    })
    attempt.watched.progress()
    let lost = await this.transmit(peerId, connection, attempt)
    while (lost.length > 0) {
      // The recipient could not decrypt these: a new session, the same stored Content.
      this.announce(await this.recovery.recover(peerId, lost))
      if (this.c.messages.pending(peerId, 1).length === 0) return
      await withDeadline(ATTEMPT_TIMEOUT_MS, `starting a new session with ${peerId}`, attempt.controller.signal, async signal => {
        if (!(await this.c.sessions.has(peerId))) await this.startSession(peerId, contact.identityKey, connection, signal)
      })
      attempt.watched.progress()
      lost = await this.transmit(peerId, connection, attempt)
    }
  }

  /**
   * connectToPeer, cut short when the peer connects meanwhile. A search can
   * wait out its whole deadline (a DHT lookup waits for routing peers), while
   * the peer, back online, has already dialled us.
   *
   * A connection that arrives first is used at once. The search is stopped
   * only when that connection is inbound: an outbound one may be the search's
   * own dial about to return, and aborting a dial that just succeeded can
   * tear its connection down (a relayed one goes with its hop stream). Left
   * running, the search ends within its own deadline.
   */
  private async reach (peerId: string, relays: string[], attempt: Attempt, signal: AbortSignal): Promise<Connection> {
    const stopSearch = new AbortController()
    const search = deadline(ATTEMPT_TIMEOUT_MS, `looking for ${peerId}`, signal, stopSearch.signal)
    const searching = connectToPeer(this.c.node, peerId, relays, { signal: search.signal }).finally(search.clear)
    const arrived = new Promise<{ arrived: Connection }>(resolve => {
      attempt.connected = () => {
        const connection = openConnection(this.c.node, peerId)
        if (connection != null) resolve({ arrived: connection })
      }
    })
    try {
      const first = await Promise.race([searching, arrived])
      if (!('arrived' in first)) return first
      this.c.log('%s connected while an attempt was still looking for it; going on over the new connection', peerId)
      if (first.arrived.direction === 'inbound') stopSearch.abort(new Error(`${peerId} connected`))
      return first.arrived
    } finally {
      attempt.connected = undefined
      // The search may fail after it lost the race.
      searching.catch(() => {})
    }
  }

  /** Fetches the peer's bundle and starts a session, unless its identity key is not the one we pinned. */
  private async startSession (peerId: string, pinned: Uint8Array, connection: Connection, signal: AbortSignal): Promise<void> {
    const bundle = await fetchBundle(connection, { signal })
    const peer = peerIdFromString(peerId)
    if (peer.publicKey == null) throw new ParleyError('invalid_params', `${peerId} has no inline public key`)
    const verified = await bundleFromWire(bundle, peer.publicKey.raw)
    // An attempt abandoned meanwhile must not replace a session a newer attempt started.
    signal.throwIfAborted()
    if (!equalBytes(bundle.identityKey, pinned)) {
      await this.c.db.write(() => { this.c.contacts.flagIdentityChange(peerId, bundle.identityKey) })
      const contact = this.c.contacts.get(peerId)
      if (contact != null) this.c.events.dispatchEvent(new CustomEvent('contact', { detail: contact }))
      throw new ParleyError('identity_changed', `${peerId} presented a different identity key`)
    }
    await this.c.db.write(async () => {
      signal.throwIfAborted()
      await this.c.sessions.start(peerId, verified)
    })
  }

  /** Messages queued before the session existed are encrypted now, in sequence order. */
  private async encryptMissing (peerId: string, batch: OutboxEntry[], signal: AbortSignal): Promise<void> {
    const missing = batch.filter(e => e.ciphertext == null)
    if (missing.length === 0) return
    await this.c.db.write(async () => {
      // Encrypting advances the ratchet: an abandoned attempt must not do it under a newer one.
      signal.throwIfAborted()
      for (const entry of missing) {
        entry.ciphertext = await this.c.sessions.encrypt(peerId, entry.content)
        this.c.messages.saveCiphertext(entry.messageId, entry.ciphertext)
      }
    })
  }

  /**
   * Streams the peer's queued messages on one stream, keeping up to
   * MAX_UNACKED_ENVELOPES unacknowledged, and picks up messages queued
   * meanwhile. Acks are recorded (group-committed) while sending goes on.
   * Fails when acks stop coming for FRAME_TIMEOUT_MS, and resets the stream
   * as soon as the attempt is aborted. After an `Ack{NO_SESSION}` it sends
   * nothing more, waits for the rest of the acks and returns the ids the
   * recipient could not decrypt.
   */
  private async transmit (peerId: string, connection: Connection, attempt: Attempt): Promise<string[]> {
    const signal = attempt.controller.signal
    const opening = deadline(FRAME_TIMEOUT_MS, 'opening a message stream', signal)
    const stream = await connection.newStream(MESSAGE_PROTOCOL, { runOnLimitedConnection: true, signal: opening.signal }).finally(opening.clear)
    const inFlight = new Set<string>()
    /** Messages leave in sequence order: everything up to here is on the wire or answered. */
    let sentUpTo = 0
    const acked: string[] = []
    const rejected: Array<{ id: string, reason: string }> = []
    const lost: string[] = []
    let wake: (() => void) | undefined
    const notify = (): void => { wake?.() }
    attempt.notify = notify
    let readError: Error | undefined
    let readEnded = false
    const reader = (async () => {
      try {
        // The signal resets the stream when the attempt is aborted, which ends this loop and wakes the sender.
        for await (const frame of readFrames(stream, undefined, { signal })) {
          const ack = Ack.decode(frame)
          const id = Buffer.from(ack.id).toString('hex')
          if (!inFlight.delete(id)) continue
          switch (ack.status) {
            case Ack.Status.OK:
            case Ack.Status.DUPLICATE: acked.push(id); break
            case Ack.Status.REJECTED: rejected.push({ id, reason: ack.reason.slice(0, 500) }); break
            case Ack.Status.NO_SESSION: lost.push(id); break
            default: missingCase(ack.status)
          }
          attempt.watched.progress()
          notify()
        }
      } catch (err) {
        readError = toError(err)
      } finally {
        readEnded = true
        notify()
      }
    })()
    let settling: Promise<void> = Promise.resolve()
    const settleAcked = (): void => {
      if (acked.length === 0 && rejected.length === 0) return
      const delivered = acked.splice(0)
      const refused = rejected.splice(0)
      settling = settling.then(async () => { await this.settle(peerId, delivered, refused) })
    }
    try {
      while (true) {
        settleAcked()
        if (readError != null) throw readError
        signal.throwIfAborted()
        // Once the recipient lacks our session, more ciphertext from it is wasted.
        const room = lost.length > 0 ? 0 : MAX_UNACKED_ENVELOPES - inFlight.size
        const fresh = room <= 0 ? [] : this.c.messages.pending(peerId, room, sentUpTo)
        if (fresh.length > 0) {
          await this.encryptMissing(peerId, fresh, signal)
          for (const entry of fresh) {
            const ciphertext = entry.ciphertext
            if (ciphertext == null) throw new Error('unencrypted entry in a batch')
            inFlight.add(entry.messageId)
            sentUpTo = entry.seq
            await sendFrame(stream, Envelope.encode({ id: fromHex(entry.messageId), type: ciphertext.type, ciphertext: bytes(ciphertext.body) }), { signal })
            attempt.watched.progress()
          }
          this.announce(fresh.map(e => ({ id: e.messageId, peerId, status: 'sent' })))
          continue
        }
        if (inFlight.size === 0) {
          // Everything sent was answered; once recorded, anything still queued is new.
          await settling
          if (lost.length > 0 || this.c.messages.pending(peerId, 1).length === 0) break
          sentUpTo = 0
          continue
        }
        if (readEnded) throw new Error(`${inFlight.size} messages were not acknowledged`)
        const progressed = await new Promise<boolean>(resolve => {
          const timer = setTimeout(() => { resolve(false) }, FRAME_TIMEOUT_MS)
          wake = () => {
            clearTimeout(timer)
            wake = undefined
            resolve(true)
          }
        })
        if (!progressed) throw new Error('timed out waiting for acknowledgements')
      }
      const closing = deadline(FRAME_TIMEOUT_MS, 'closing the message stream', signal)
      await stream.close({ signal: closing.signal }).finally(closing.clear)
      return lost
    } catch (err) {
      stream.abort(toError(err))
      throw err
    } finally {
      if (attempt.notify === notify) attempt.notify = undefined
      await reader
      settleAcked()
      await settling
    }
  }

  /** Records acks in one transaction, then tells listeners. */
  private async settle (peerId: string, delivered: string[], rejected: Array<{ id: string, reason: string }>): Promise<void> {
    if (delivered.length === 0 && rejected.length === 0) return
    await this.c.db.write(() => {
      this.c.messages.setStatus(delivered, 'delivered')
      for (const r of rejected) this.c.messages.setStatus([r.id], 'failed', `rejected by the recipient: ${r.reason}`)
      this.c.messages.removeFromOutbox([...delivered, ...rejected.map(r => r.id)])
    })
    this.announce([
      ...delivered.map(id => ({ id, peerId, status: 'delivered' as const })),
      ...rejected.map(r => ({ id: r.id, peerId, status: 'failed' as const, error: `rejected by the recipient: ${r.reason}` }))
    ])
  }

  private async fail (peerId: string, reason: string): Promise<void> {
    const ids = await this.c.db.write(() => {
      const abandoned = this.c.messages.abandonPending(peerId)
      this.c.messages.setStatus(abandoned, 'failed', reason)
      return abandoned
    })
    this.announce(ids.map(id => ({ id, peerId, status: 'failed', error: reason })))
  }

  private announce (changes: MessageStatusChange[]): void {
    for (const detail of changes) this.c.events.dispatchEvent(new CustomEvent('messageStatus', { detail }))
  }
}


import { deadline, withDeadline } from '../deadline.js'
import { ProtocolViolationError, errorMessage, toError } from '../errors.js'
import { abortWhenIdle, readOneFrame, sendFrame } from '../wire/frames.js'
import { FRAME_TIMEOUT_MS } from '../wire/limits.js'
import { PreKeyBundle, PreKeyBundleRequest } from '../wire/parley.js'
import { replenishPrekeys, takeBundle } from './prekeys.js'
import type { SignalStores } from './signal-stores.js'
import type { DeviceIdentity } from '../identity/identity.js'
import type { ParleyDatabase } from '../store/database.js'
import type { AbortOptions, Connection, Logger, Stream } from '@libp2p/interface'

export const PREKEY_PROTOCOL = '/parley/prekeys/1.0.0'
const REQUEST_VERSION = 1

/** Bundles handed to one peer per minute; stops a stranger from draining the one-time prekeys. */
export const MAX_BUNDLES_PER_PEER_PER_MINUTE = 10

/** Serves our prekey bundle to peers who want to start a session with us. */
export class PrekeyService {
  private readonly recent = new Map<string, number[]>()

  constructor (private readonly c: { db: ParleyDatabase, identity: DeviceIdentity, stores: SignalStores, log: Logger }) {}

  async handle (stream: Stream, connection: Connection): Promise<void> {
    const limit = deadline(FRAME_TIMEOUT_MS, 'answering a prekey request')
    const signal = limit.signal
    const stopWatchdog = abortWhenIdle(stream, FRAME_TIMEOUT_MS)
    try {
      const request = PreKeyBundleRequest.decode(await readOneFrame(stream, 64, { signal }))
      if (request.version !== REQUEST_VERSION) throw new ProtocolViolationError(`unsupported prekey request version ${request.version}`)
      if (!this.allow(connection.remotePeer.toString())) throw new ProtocolViolationError('too many prekey requests')
      const bundle = await takeBundle(this.c.db, this.c.identity, this.c.stores)
      await sendFrame(stream, PreKeyBundle.encode(bundle), { signal })
      await stream.close({ signal })
      await replenishPrekeys(this.c.db, this.c.identity, this.c.stores)
    } catch (err) {
      this.c.log.error('prekey request from %s failed: %s', connection.remotePeer, errorMessage(err))
      stream.abort(toError(err))
    } finally {
      limit.clear()
      stopWatchdog()
    }
  }

  private allow (peerId: string): boolean {
    const now = Date.now()
    const times = (this.recent.get(peerId) ?? []).filter(t => now - t < 60_000)
    if (times.length >= MAX_BUNDLES_PER_PEER_PER_MINUTE) return false
    times.push(now)
    this.recent.set(peerId, times)
    if (this.recent.size > 4096) {
      for (const [peer, seen] of this.recent) if (seen.every(t => now - t >= 60_000)) this.recent.delete(peer)
    }
    return true
  }
}

/** Asks a connected peer for its bundle; gives up after `FRAME_TIMEOUT_MS`, or sooner when `signal` aborts. */
export async function fetchBundle (connection: Connection, options: AbortOptions = {}): Promise<PreKeyBundle> {
  return await withDeadline(FRAME_TIMEOUT_MS, 'fetching a prekey bundle', options.signal, async signal => {
    const stream = await connection.newStream(PREKEY_PROTOCOL, { runOnLimitedConnection: true, signal })
    try {
      await sendFrame(stream, PreKeyBundleRequest.encode({ version: REQUEST_VERSION }), { signal })
      const reply = await readOneFrame(stream, undefined, { signal })
      await stream.close({ signal })
      try {
        return PreKeyBundle.decode(reply)
      } catch {
        throw new ProtocolViolationError('malformed prekey bundle')
      }
    } catch (err) {
      stream.abort(toError(err))
      throw err
    }
  })
}

import type { AbortOptions } from '@libp2p/interface'
import { BaseDatastore } from 'datastore-core'
import { Key } from 'interface-datastore'
import type { Batch, Datastore, KeyQuery, Pair, Query } from 'interface-datastore'
import { NotFoundError } from 'interface-store'
import { errorMessage } from '../errors.js'

export interface WriteBehindOptions {
  /** How long a write may wait in memory before it is committed. */
  flushIntervalMs?: number
  /** Writes waiting beyond this many keys are committed at once. */
  maxPendingKeys?: number
  /** Told when a background commit fails (its writes stay queued for the next one). */
  onFlushError?: (message: string) => void
}

const DEFAULT_FLUSH_INTERVAL_MS = 1_000
const DEFAULT_MAX_PENDING_KEYS = 1_000
/** Marks a key deleted in memory but not yet in the backing store. */
const DELETED = Symbol('deleted')
type Pending = Map<string, Uint8Array | typeof DELETED>

/**
 * Holds writes in memory and commits them to `backing` in one batch at most
 * once per `flushIntervalMs`. Reads see held writes at once.
 *
 * Why: libp2p's peer store rewrites a peer's record on nearly every stream
 * and identify exchange, and each write to the SQLite store is a durable
 * commit. Tens of nodes on one machine spent most of their time in those
 * commits. Everything libp2p keeps here is a cache of what the network will
 * tell us again (addresses, protocols, DHT records), so losing the last
 * second of it in a crash costs a lookup, never a message.
 */
export class WriteBehindDatastore extends BaseDatastore {
  private readonly backing: Datastore
  private readonly flushIntervalMs: number
  private readonly maxPendingKeys: number
  private readonly onFlushError: (message: string) => void
  /** Writes not yet handed to the backing store. */
  private pending: Pending = new Map()
  /** Writes being committed right now: still answered from memory until the commit ends. */
  private committing: Pending = new Map()
  private flushing: Promise<void> | undefined
  private timer: ReturnType<typeof setTimeout> | undefined
  private closed = false

  constructor (backing: Datastore, options: WriteBehindOptions = {}) {
    super()
    this.backing = backing
    this.flushIntervalMs = options.flushIntervalMs ?? DEFAULT_FLUSH_INTERVAL_MS
    this.maxPendingKeys = options.maxPendingKeys ?? DEFAULT_MAX_PENDING_KEYS
    this.onFlushError = options.onFlushError ?? (() => {})
  }

  override put (key: Key, val: Uint8Array, options?: AbortOptions): Key {
    options?.signal?.throwIfAborted()
    this.hold(key, val.slice())
    return key
  }

  override async get (key: Key, options?: AbortOptions): Promise<Uint8Array> {
    options?.signal?.throwIfAborted()
    const held = this.held(key)
    if (held === DELETED) throw new NotFoundError(`no datastore entry for ${key.toString()}`)
    if (held != null) return held.slice()
    return await this.backing.get(key, options)
  }

  override async has (key: Key, options?: AbortOptions): Promise<boolean> {
    options?.signal?.throwIfAborted()
    const held = this.held(key)
    if (held != null) return held !== DELETED
    return await this.backing.has(key, options)
  }

  override delete (key: Key, options?: AbortOptions): void {
    options?.signal?.throwIfAborted()
    this.hold(key, DELETED)
  }

  override batch (): Batch {
    const operations: Array<[Key, Uint8Array | typeof DELETED]> = []
    return {
      put (key, value) { operations.push([key, value.slice()]) },
      delete (key) { operations.push([key, DELETED]) },
      commit: (options?: AbortOptions) => {
        options?.signal?.throwIfAborted()
        for (const [key, value] of operations) this.hold(key, value)
        operations.length = 0
      }
    }
  }

  /** Queries the backing store after committing what is held, so filters, orders, offsets and limits all see it. */
  override async * query (q: Query, options?: AbortOptions): AsyncGenerator<Pair> {
    await this.flush()
    yield * this.backing.query(q, options)
  }

  override async * queryKeys (q: KeyQuery, options?: AbortOptions): AsyncGenerator<Key> {
    await this.flush()
    yield * this.backing.queryKeys(q, options)
  }

  /** Commits every held write; resolves once they are durable. */
  async flush (): Promise<void> {
    // A failed commit is reported to whoever started it; this flush retries its writes.
    while (this.flushing != null) await this.flushing.catch(() => {})
    if (this.pending.size === 0) return
    clearTimeout(this.timer)
    this.timer = undefined
    const batch = this.pending
    this.committing = batch
    this.pending = new Map()
    this.flushing = this.commit(batch).finally(() => {
      this.committing = new Map()
      this.flushing = undefined
    })
    await this.flushing
  }

  /** Commits what is held, then refuses further writes. */
  async close (): Promise<void> {
    await this.flush()
    this.closed = true
  }

  private async commit (batch: Pending): Promise<void> {
    const writes = this.backing.batch()
    for (const [key, value] of batch) {
      if (value === DELETED) writes.delete(new Key(key))
      else writes.put(new Key(key), value)
    }
    try {
      await writes.commit()
    } catch (err) {
      // Put back what no newer write replaced, to try again with the next batch.
      for (const [key, value] of batch) if (!this.pending.has(key)) this.pending.set(key, value)
      this.schedule()
      throw err
    }
  }

  private hold (key: Key, value: Uint8Array | typeof DELETED): void {
    if (this.closed) throw new Error('the datastore is closed')
    this.pending.set(key.toString(), value)
    if (this.pending.size >= this.maxPendingKeys) this.flushInBackground()
    else this.schedule()
  }

  private held (key: Key): Uint8Array | typeof DELETED | undefined {
    const name = key.toString()
    return this.pending.get(name) ?? this.committing.get(name)
  }

  private schedule (): void {
    if (this.timer != null || this.closed) return
    this.timer = setTimeout(() => {
      this.timer = undefined
      this.flushInBackground()
    }, this.flushIntervalMs)
    // A pending flush must not keep a finished process alive; close() flushes.
    this.timer.unref()
  }

  private flushInBackground (): void {
    this.flush().catch((err: unknown) => { this.onFlushError(`could not commit peer data: ${errorMessage(err)}`) })
  }
}

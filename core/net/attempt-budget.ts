/**
 * Addresses whose budget is remembered at once. Past this, the one seen least
 * recently is forgotten and starts again with a full budget: a flood from
 * ever more addresses costs the relay bounded memory, not bounded patience.
 */
export const MAX_TRACKED_ADDRESSES = 100_000

const MINUTE_MS = 60_000

interface Bucket {
  tokens: number
  at: number
}

export interface AttemptBudgetInit {
  /** Attempts per key per minute, and the burst a key may make at once. */
  perMinute: number
  /** Attempts at the bottom of each key's budget that renewals may not use. */
  keptForNew: number
  /** Milliseconds on a monotonic clock (tests pass their own). */
  now?: () => number
  maxTracked?: number
}

/**
 * A token bucket per key (a peer's address): `perMinute` tokens, refilled
 * evenly over a minute. A newcomer may take any token; a renewal only while
 * more than `keptForNew` are left, so renewals never spend what a newcomer
 * behind the same address would need.
 */
export class AttemptBudget {
  private readonly buckets = new Map<string, Bucket>()
  private readonly perMinute: number
  private readonly keptForNew: number
  private readonly now: () => number
  private readonly maxTracked: number

  constructor (init: AttemptBudgetInit) {
    this.perMinute = init.perMinute
    this.keptForNew = init.keptForNew
    this.now = init.now ?? (() => performance.now())
    this.maxTracked = init.maxTracked ?? MAX_TRACKED_ADDRESSES
  }

  /** Takes one attempt from `key`'s budget; false when it has none left for this kind of attempt. */
  take (key: string, kind: 'new' | 'renewal'): boolean {
    const now = this.now()
    this.forgetOldestIfFull(now)
    const bucket = this.refilled(key, now)
    // Re-inserted, so the map's order stays least recently seen first.
    this.buckets.delete(key)
    this.buckets.set(key, bucket)
    if (this.buckets.size > this.maxTracked) this.buckets.delete(this.buckets.keys().next().value as string)
    const floor = kind === 'renewal' ? this.keptForNew : 0
    if (bucket.tokens < floor + 1) return false
    bucket.tokens -= 1
    return true
  }

  /** Keys remembered now (a full budget needs no memory). */
  get size (): number {
    return this.buckets.size
  }

  private refilled (key: string, now: number): Bucket {
    const bucket = this.buckets.get(key)
    if (bucket == null) return { tokens: this.perMinute, at: now }
    const tokens = Math.min(this.perMinute, bucket.tokens + (now - bucket.at) * this.perMinute / MINUTE_MS)
    return { tokens, at: now }
  }

  /** One step of cleaning per call: the least recently seen key is dropped once its budget is full again. */
  private forgetOldestIfFull (now: number): void {
    const oldest = this.buckets.entries().next().value
    if (oldest == null) return
    const [key] = oldest
    if (this.refilled(key, now).tokens >= this.perMinute) this.buckets.delete(key)
  }
}

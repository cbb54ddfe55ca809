/**
 * The pure half of `parley sim`: a seeded plan (who knows whom, who sends to
 * whom and in what order), the send schedule, and the figures made from what
 * the run recorded. Nothing here touches the network, so the same seed gives
 * the same plan on any machine, and the maths is unit-tested on its own.
 */

import { performance } from 'node:perf_hooks'
import { setTimeout as sleep } from 'node:timers/promises'

/** Limits of `parley sim`'s flags, named so the CLI and its tests share them. */
export const SIM_LIMITS = {
  minNodes: 2,
  maxNodes: 500,
  maxMessages: 100_000,
  maxWorkers: 16,
  /** 2^32 − 1: the PRNG's state is 32 bits. */
  maxSeed: 0xffff_ffff,
  maxRate: 100_000,
  maxTimeoutS: 3600
} as const

export const SIM_DEFAULTS = {
  nodes: 10,
  messages: 100,
  /**
   * Steady load, so the figure is latency under load, not the time to drain a
   * burst. 25/s keeps one process (all engines on one core) below
   * saturation: about 10 ms of CPU per delivered message on a 2-core
   * machine puts the knee between 50 and 100 messages a second.
   */
  rate: 25,
  workers: 1,
  timeoutS: 30,
  /** People talk to a few contacts; every node knowing every other would measure a different thing. */
  contactsPerUser: 4,
  /** Engines started at once: enough to overlap I/O, few enough for 2 cores. */
  startConcurrency: 8
} as const

/** How often the memory sampler reads `process.memoryUsage.rss()`. */
export const MEMORY_SAMPLE_INTERVAL_MS = 200
/** An hour of samples: enough for any run's plot, bounded for a run left going. */
export const MAX_MEMORY_SAMPLES = 18_000

/** A uniform PRNG: `next()` in [0, 1), `int(n)` in [0, n). */
export interface Rng {
  next: () => number
  int: (n: number) => number
}

/**
 * mulberry32 (Tommy Ettinger's 32-bit generator): tiny, fast, and good enough
 * to pick pairs; not for anything secret.
 */
export function createRng (seed: number): Rng {
  let state = seed >>> 0
  const next = (): number => {
    state = (state + 0x6d2b79f5) >>> 0
    let t = state
    t = Math.imul(t ^ (t >>> 15), t | 1)
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61)
    return ((t ^ (t >>> 14)) >>> 0) / 0x1_0000_0000
  }
  return { next, int: (n: number) => Math.floor(next() * n) }
}

/** Two users (indices into the user list) who exchanged invites. */
export type Pair = readonly [number, number]

/** One scripted message: `from` writes to `to`; both are user indices. */
export interface PlannedSend {
  from: number
  to: number
}

export interface ScenarioPlan {
  pairs: Pair[]
  sends: PlannedSend[]
}

/**
 * The contact graph: every user gets about `perUser` contacts. A ring through
 * a shuffled order first (so nobody is left without a contact), then random
 * extra pairs until the graph has `nodes × perUser / 2` of them (at most every
 * pair there is). Pairs are normalised to `[low, high]`.
 */
export function planContacts (nodes: number, perUser: number, rng: Rng): Pair[] {
  if (nodes < 2) return []
  const all = (nodes * (nodes - 1)) / 2
  const wanted = Math.min(all, Math.max(1, Math.ceil((nodes * perUser) / 2)))
  const seen = new Set<number>()
  const pairs: Pair[] = []
  const add = (a: number, b: number): void => {
    if (a === b || pairs.length >= wanted) return
    const pair: Pair = a < b ? [a, b] : [b, a]
    const key = pair[0] * nodes + pair[1]
    if (seen.has(key)) return
    seen.add(key)
    pairs.push(pair)
  }
  const order = shuffled(nodes, rng)
  for (let i = 0; i < nodes; i++) add(order[i], order[(i + 1) % nodes])
  // Rejection sampling: `wanted` ≤ all pairs, so this ends (quickly unless the graph is nearly complete).
  while (pairs.length < wanted) add(rng.int(nodes), rng.int(nodes))
  return pairs
}

/** `count` sends, each over a random pair in a random direction. */
export function planSends (pairs: Pair[], count: number, rng: Rng): PlannedSend[] {
  if (pairs.length === 0) return []
  return Array.from({ length: count }, () => {
    const [a, b] = pairs[rng.int(pairs.length)]
    return rng.next() < 0.5 ? { from: a, to: b } : { from: b, to: a }
  })
}

/** The whole plan from one seed: contacts first, then the sends, always in that order. */
export function planScenario (options: { nodes: number, messages: number, contactsPerUser: number, seed: number }): ScenarioPlan {
  const rng = createRng(options.seed)
  const pairs = planContacts(options.nodes, options.contactsPerUser, rng)
  return { pairs, sends: planSends(pairs, options.messages, rng) }
}

/** 0 … n−1 in a seeded order (Fisher–Yates). */
function shuffled (n: number, rng: Rng): number[] {
  const order = Array.from({ length: n }, (_, i) => i)
  for (let i = n - 1; i > 0; i--) {
    const j = rng.int(i + 1)
    const t = order[i]
    order[i] = order[j]
    order[j] = t
  }
  return order
}

/** When send `index` is due, in ms after the first, at `rate` messages per second. */
export function sendDueMs (index: number, rate: number): number {
  return (index * 1000) / rate
}

/** Percentile by nearest rank over values already sorted ascending. */
export function percentile (sorted: readonly number[], p: number): number {
  if (sorted.length === 0) throw new Error('no samples')
  const rank = Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1))
  return sorted[rank]
}

export interface LatencySummary {
  count: number
  p50: number
  p95: number
  p99: number
  max: number
  mean: number
}

/** Latency figures in ms, rounded to 0.1 ms; null when nothing was measured. */
export function summarizeLatency (values: readonly number[]): LatencySummary | null {
  if (values.length === 0) return null
  const sorted = [...values].sort((a, b) => a - b)
  const round = (n: number): number => Math.round(n * 10) / 10
  return {
    count: sorted.length,
    p50: round(percentile(sorted, 50)),
    p95: round(percentile(sorted, 95)),
    p99: round(percentile(sorted, 99)),
    max: round(sorted[sorted.length - 1]),
    mean: round(sorted.reduce((sum, v) => sum + v, 0) / sorted.length)
  }
}

/** Latency of each sender's first message to each recipient, and of all later ones (records in send order). */
export function latencyByKind (records: readonly MessageRecord[]): SimResult['latencyByKind'] {
  const first: number[] = []
  const later: number[] = []
  const isFirst = firstContacts(records)
  records.forEach((record, i) => {
    if (record.latencyMs != null) (isFirst[i] ? first : later).push(record.latencyMs)
  })
  return { firstContact: summarizeLatency(first), later: summarizeLatency(later) }
}

/** For each record (in send order), whether it is its sender's first message to that recipient. */
export function firstContacts (records: readonly MessageRecord[]): boolean[] {
  const seen = new Set<string>()
  return records.map(({ from, to }) => {
    const pair = `${from}>${to}`
    const first = !seen.has(pair)
    seen.add(pair)
    return first
  })
}

/** One process's memory over a run. */
export interface ProcessMemory {
  role: 'main' | 'worker'
  /** Engines this process ran. */
  nodes: number
  /** RSS just before the engines started. */
  baselineRssBytes: number
  peakRssBytes: number
  /** (peak − baseline) / nodes; null for a process without engines. */
  perNodeBytes: number | null
}

/**
 * Samples this process's RSS on a timer and keeps the peak. The baseline is
 * read when the sampler starts, which the harness does just before the
 * engines start, so code loading and the relay are not counted per node.
 */
export class MemorySampler {
  readonly baselineRssBytes: number
  /** Every sample, in ms after the sampler started (for the report's plot); the first MAX_MEMORY_SAMPLES only. */
  readonly samples: Array<{ atMs: number, bytes: number }> = []
  private peak: number
  private timer: ReturnType<typeof setInterval> | undefined
  private readonly startedAt = performance.now()

  constructor (private readonly read: () => number = () => process.memoryUsage.rss(), intervalMs = MEMORY_SAMPLE_INTERVAL_MS) {
    this.baselineRssBytes = read()
    this.peak = this.baselineRssBytes
    this.samples.push({ atMs: 0, bytes: this.baselineRssBytes })
    this.timer = setInterval(() => { this.sample() }, intervalMs)
    // A sampler must never be what keeps a finished run alive.
    this.timer.unref()
  }

  sample (): void {
    const bytes = this.read()
    this.peak = Math.max(this.peak, bytes)
    if (this.samples.length < MAX_MEMORY_SAMPLES) this.samples.push({ atMs: Math.round(performance.now() - this.startedAt), bytes })
  }

  get peakRssBytes (): number {
    return this.peak
  }

  /** Takes a last sample and stops; the report covers everything up to now. */
  stop (role: ProcessMemory['role'], nodes: number): ProcessMemory {
    if (this.timer != null) {
      this.sample()
      clearInterval(this.timer)
      this.timer = undefined
    }
    return memoryReport(role, nodes, this.baselineRssBytes, this.peak)
  }
}

export function memoryReport (role: ProcessMemory['role'], nodes: number, baselineRssBytes: number, peakRssBytes: number): ProcessMemory {
  return { role, nodes, baselineRssBytes, peakRssBytes, perNodeBytes: nodes > 0 ? Math.round((peakRssBytes - baselineRssBytes) / nodes) : null }
}

/** What became of one scripted message. */
export interface MessageRecord {
  from: number
  to: number
  /** The sender's message id, once `send()` returned. */
  id?: string
  /** From the `send()` call to the sender's `delivered` status (the ack after the receiver's commit). */
  latencyMs?: number
  /** `send()` threw, or the outbox gave the message up. */
  error?: string
  /** `message` events (incoming) the recipient emitted for this id. */
  received: number
}

export interface DeliveryCounts {
  total: number
  /** Acked by the recipient. */
  delivered: number
  /** Neither delivered nor failed by the deadline. */
  lost: number
  failed: number
  /** Delivered, but the recipient emitted it more than once. */
  duplicates: number
  /** Delivered, but the recipient never emitted it. */
  notReceived: number
  /** Delivered and received exactly once. */
  exactlyOnce: number
}

/** Counts outcomes; `receivedById` holds incoming `message` events per message id. */
export function countDeliveries (records: readonly MessageRecord[], receivedById: ReadonlyMap<string, number>): DeliveryCounts {
  const counts: DeliveryCounts = { total: records.length, delivered: 0, lost: 0, failed: 0, duplicates: 0, notReceived: 0, exactlyOnce: 0 }
  for (const record of records) {
    const received = record.id == null ? 0 : receivedById.get(record.id) ?? 0
    if (record.latencyMs != null) {
      counts.delivered++
      if (received === 0) counts.notReceived++
      else if (received > 1) counts.duplicates++
      else counts.exactlyOnce++
    } else if (record.error != null) {
      counts.failed++
    } else {
      counts.lost++
    }
  }
  return counts
}

/** Settled: delivered and seen by the recipient, or given up. Until then the run waits. */
export function isSettled (record: MessageRecord, receivedById: ReadonlyMap<string, number>): boolean {
  if (record.error != null) return true
  return record.latencyMs != null && record.id != null && (receivedById.get(record.id) ?? 0) > 0
}

/** Everything `parley sim` reports; `--json` prints exactly this. */
export interface SimResult {
  nodes: number
  messages: number
  seed: number
  /** Messages per second the script aimed for. */
  rate: number
  workers: number
  contactsPerUser: number
  /** The directory the run's temp dir (every database) was made in: /dev/shm is RAM. */
  storage: string
  /** Contact pairs (each introduced both ways by invite). */
  pairs: number
  timeoutS: number
  deliveries: DeliveryCounts
  /** Over delivered messages only. */
  latencyMs: LatencySummary | null
  /**
   * The same, split: a sender's first message to a recipient also finds the
   * peer, dials it and sets up the Signal session; later ones reuse all that.
   */
  latencyByKind: { firstContact: LatencySummary | null, later: LatencySummary | null }
  memory: {
    /** Sum of every process's peak RSS. */
    peakRssBytes: number
    /** Sum of (peak − baseline) over the processes running engines, / nodes. */
    perNodeBytes: number
    method: string
    processes: ProcessMemory[]
  }
  /** Whether the network went quiet before the sends began (see SETTLE). */
  settled: boolean
  /** Users the relay held no reservation for after start-up (reachable only by a direct address). */
  unreserved: number
  durationsMs: {
    start: number
    /** Waiting for the start-up storm to pass. */
    settle: number
    introduce: number
    send: number
    drain: number
  }
  /** True when every message was delivered and received exactly once. */
  ok: boolean
}

export const MEMORY_METHOD = 'per node = (peak RSS − RSS just before the engines started) / nodes, per process, sampled every 200 ms'

/** Folds per-process memory into the run's figures. */
export function combineMemory (processes: ProcessMemory[], nodes: number): SimResult['memory'] {
  const withEngines = processes.filter(p => p.nodes > 0)
  const grown = withEngines.reduce((sum, p) => sum + (p.peakRssBytes - p.baselineRssBytes), 0)
  return {
    peakRssBytes: processes.reduce((sum, p) => sum + p.peakRssBytes, 0),
    perNodeBytes: nodes > 0 ? Math.round(grown / nodes) : 0,
    method: MEMORY_METHOD,
    processes
  }
}

/**
 * When a network counts as settled: starting many nodes at once sets off a
 * storm of DHT lookups, identify exchanges and peer-store writes that a
 * long-running network does not have. Latency is measured once this process
 * used less than `busyBelow` of a core over a `windowMs` window, or after
 * `maxMs` regardless. CPU time rather than event-loop utilisation: other
 * processes on the machine do not inflate it.
 */
export const SETTLE = { busyBelow: 0.5, windowMs: 1000, maxMs: 60_000 } as const

export interface SettleOutcome {
  waitedMs: number
  /** False when `maxMs` passed with the event loop still busy. */
  quiet: boolean
}

/** Waits until this process is quiet (see {@link SETTLE}). */
export async function waitForQuiet (maxMs: number = SETTLE.maxMs, signal?: AbortSignal): Promise<SettleOutcome> {
  const started = performance.now()
  for (;;) {
    const cpu = process.cpuUsage()
    const windowStart = performance.now()
    await pause(SETTLE.windowMs, signal)
    const used = process.cpuUsage(cpu)
    const busy = (used.user + used.system) / 1000 / (performance.now() - windowStart)
    const waitedMs = Math.round(performance.now() - started)
    if (busy < SETTLE.busyBelow) return { waitedMs, quiet: true }
    if (waitedMs >= maxMs) return { waitedMs, quiet: false }
  }
}

/** Waits `ms`; when `signal` aborts, rejects with its reason (not a generic AbortError), so a stop says why. */
export async function pause (ms: number, signal?: AbortSignal): Promise<void> {
  try {
    await sleep(Math.max(0, ms), undefined, { signal })
  } catch (err) {
    if (signal?.aborted === true) throw signal.reason
    throw err
  }
}

import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { describe, expect, it } from 'vitest'
import { formatSimResult, parseSimFlags } from '../../../core/cli/sim-command.js'
import type { SimFlags } from '../../../core/cli/sim-command.js'
import {
  MEMORY_METHOD, MemorySampler, SIM_DEFAULTS, SIM_LIMITS, combineMemory, countDeliveries, createRng, isSettled,
  latencyByKind, memoryReport, percentile, planContacts, planScenario, sendDueMs, summarizeLatency
} from '../../../core/sim/scenario.js'
import type { MessageRecord, SimResult } from '../../../core/sim/scenario.js'
import { workerCommandSchema, workerReportSchema } from '../../../core/sim/sim-ipc.js'

describe('seeded PRNG', () => {
  it('is mulberry32: the same seed gives the same sequence, pinned to known values', () => {
    const a = createRng(1)
    expect([a.next(), a.next(), a.next()]).toEqual([0.6270739405881613, 0.002735721180215478, 0.5274470399599522])
    const draw = (seed: number): number[] => {
      const rng = createRng(seed)
      return Array.from({ length: 100 }, () => rng.next())
    }
    expect(draw(1)).toEqual(draw(1))
    expect(draw(1)).not.toEqual(draw(2))
  })

  it('stays in [0, 1) and spreads int(n) evenly', () => {
    const rng = createRng(123)
    const buckets = new Array<number>(10).fill(0)
    const draws = Array.from({ length: 20_000 }, () => rng.next())
    expect(Math.min(...draws)).toBeGreaterThanOrEqual(0)
    expect(Math.max(...draws)).toBeLessThan(1)
    for (let i = 0; i < 20_000; i++) buckets[rng.int(10)]++
    for (const count of buckets) expect(count).toBeGreaterThan(1700)
    for (const count of buckets) expect(count).toBeLessThan(2300)
  })

  it('takes the seed as 32 bits, so the largest seed works', () => {
    expect(createRng(SIM_LIMITS.maxSeed).next()).toBe(createRng(-1).next())
  })
})

describe('contact graph and send plan', () => {
  it('gives every user a contact, about perUser each, with no self-pairs or duplicates', () => {
    for (const [nodes, perUser] of [[2, 4], [3, 1], [20, 4], [50, 4], [51, 3], [7, 6]]) {
      const pairs = planContacts(nodes, perUser, createRng(9))
      const all = (nodes * (nodes - 1)) / 2
      expect(pairs.length).toBe(Math.min(all, Math.ceil((nodes * perUser) / 2)))
      const keys = new Set(pairs.map(([a, b]) => `${a}-${b}`))
      expect(keys.size).toBe(pairs.length)
      for (const [a, b] of pairs) {
        expect(a).toBeLessThan(b)
        expect(a).toBeGreaterThanOrEqual(0)
        expect(b).toBeLessThan(nodes)
      }
      const degree = new Array<number>(nodes).fill(0)
      for (const [a, b] of pairs) { degree[a]++; degree[b]++ }
      expect(Math.min(...degree)).toBeGreaterThan(0)
    }
  })

  it('has nothing to plan for fewer than two users', () => {
    expect(planContacts(1, 4, createRng(7))).toEqual([])
    expect(planScenario({ nodes: 1, messages: 5, contactsPerUser: 4, seed: 1 })).toEqual({ pairs: [], sends: [] })
  })

  it('is the complete graph when perUser reaches nodes − 1', () => {
    expect(planContacts(5, 4, createRng(1))).toHaveLength(10)
    expect(planContacts(5, 400, createRng(1))).toHaveLength(10)
    expect(planContacts(2, 1, createRng(1))).toEqual([[0, 1]])
  })

  it('plans the same pairs and sends in the same order for the same seed, and others for another', () => {
    const options = { nodes: 20, messages: 200, contactsPerUser: 4 }
    const one = planScenario({ ...options, seed: 7 })
    expect(planScenario({ ...options, seed: 7 })).toEqual(one)
    expect(planScenario({ ...options, seed: 8 })).not.toEqual(one)
    expect(one.sends).toHaveLength(200)
    const pairs = new Set(one.pairs.map(([a, b]) => `${a}-${b}`))
    for (const { from, to } of one.sends) expect(pairs.has(`${Math.min(from, to)}-${Math.max(from, to)}`)).toBe(true)
    // Both directions are used.
    expect(one.sends.some(s => s.from < s.to)).toBe(true)
    expect(one.sends.some(s => s.from > s.to)).toBe(true)
  })

  it('spaces sends evenly at the rate', () => {
    expect(sendDueMs(0, 100)).toBe(0)
    expect(sendDueMs(1, 100)).toBe(10)
    expect(sendDueMs(999, 100)).toBe(9990)
    expect(sendDueMs(3, 0.5)).toBe(6000)
  })
})

describe('latency statistics', () => {
  const hundred = Array.from({ length: 100 }, (_, i) => i + 1)

  it('takes percentiles by nearest rank', () => {
    expect(percentile(hundred, 50)).toBe(50)
    expect(percentile(hundred, 95)).toBe(95)
    expect(percentile(hundred, 99)).toBe(99)
    expect(percentile(hundred, 100)).toBe(100)
    expect(percentile(hundred, 0)).toBe(1)
    expect(percentile([7], 99)).toBe(7)
    expect(percentile([1, 2, 3, 4], 50)).toBe(2)
    expect(() => percentile([], 50)).toThrow('no samples')
  })

  it('summarises unsorted samples, rounded to 0.1 ms', () => {
    const shuffled = [...hundred].reverse()
    expect(summarizeLatency(shuffled)).toEqual({ count: 100, p50: 50, p95: 95, p99: 99, max: 100, mean: 50.5 })
    expect(summarizeLatency([1.234, 2.345])).toEqual({ count: 2, p50: 1.2, p95: 2.3, p99: 2.3, max: 2.3, mean: 1.8 })
    expect(summarizeLatency([])).toBeNull()
  })

  it('tells a sender\'s first message to each recipient from the later ones, counting delivered messages only', () => {
    const records: MessageRecord[] = [
      { from: 0, to: 1, latencyMs: 900, received: 1 },
      { from: 1, to: 0, latencyMs: 800, received: 1 },
      { from: 0, to: 1, latencyMs: 10, received: 1 },
      { from: 0, to: 2, received: 0 },
      { from: 0, to: 2, latencyMs: 20, received: 1 },
      { from: 1, to: 0, latencyMs: 30, received: 1 }
    ]
    const split = latencyByKind(records)
    expect(split.firstContact).toMatchObject({ count: 2, p50: 800, max: 900 })
    expect(split.later).toMatchObject({ count: 3, p50: 20, max: 30 })
    expect(latencyByKind([]).firstContact).toBeNull()
  })
})

describe('delivery accounting', () => {
  const record = (overrides: Partial<MessageRecord>): MessageRecord => ({ from: 0, to: 1, received: 0, ...overrides })

  it('counts delivered exactly once, duplicates, never received, failed and lost apart', () => {
    const received = new Map([['a', 1], ['b', 2], ['e', 1]])
    const records = [
      record({ id: 'a', latencyMs: 5 }),
      record({ id: 'b', latencyMs: 6 }),
      record({ id: 'c', latencyMs: 7 }),
      record({ id: 'd', error: 'rejected' }),
      record({ id: 'e' }),
      record({})
    ]
    expect(countDeliveries(records, received)).toEqual({
      total: 6, delivered: 3, exactlyOnce: 1, duplicates: 1, notReceived: 1, failed: 1, lost: 2
    })
  })

  it('waits for a message until the recipient saw it, or until it failed', () => {
    const received = new Map([['a', 1]])
    expect(isSettled(record({ id: 'a', latencyMs: 1 }), received)).toBe(true)
    expect(isSettled(record({ id: 'b', latencyMs: 1 }), received)).toBe(false)
    expect(isSettled(record({ id: 'a' }), received)).toBe(false)
    expect(isSettled(record({ error: 'x' }), received)).toBe(true)
  })
})

describe('memory figures', () => {
  it('keeps the peak above the baseline and divides the growth by the nodes', () => {
    const readings = [100, 150, 400, 300]
    const sampler = new MemorySampler(() => readings.shift() ?? 300, 60_000)
    sampler.sample()
    sampler.sample()
    expect(sampler.stop('main', 10)).toEqual({ role: 'main', nodes: 10, baselineRssBytes: 100, peakRssBytes: 400, perNodeBytes: 30 })
    expect(memoryReport('main', 0, 100, 200).perNodeBytes).toBeNull()
  })

  it('adds up workers: peaks summed, growth of engine processes over all nodes', () => {
    const combined = combineMemory([
      memoryReport('main', 0, 100, 150),
      memoryReport('worker', 5, 100, 200),
      memoryReport('worker', 5, 100, 300)
    ], 10)
    expect(combined).toMatchObject({ peakRssBytes: 650, perNodeBytes: 30, method: MEMORY_METHOD })
    expect(combined.processes).toHaveLength(3)
  })
})

/** The error `parseSimFlags` throws for `flags`, or a failure if it accepts them. */
function rejection (flags: SimFlags): { code: string, message: string } {
  try {
    parseSimFlags(flags)
  } catch (err) {
    return err as { code: string, message: string }
  }
  throw new Error(`accepted ${JSON.stringify(flags)}`)
}

describe('parley sim flags', () => {
  it('applies the defaults, with a random seed when none is given', () => {
    expect(parseSimFlags({}, () => 42)).toEqual({
      nodes: SIM_DEFAULTS.nodes,
      messages: SIM_DEFAULTS.messages,
      seed: 42,
      rate: 25,
      workers: 1,
      timeoutMs: 30_000,
      contactsPerUser: 4,
      dir: undefined,
      report: undefined,
      json: false
    })
    const seed = parseSimFlags({}).seed
    expect(Number.isInteger(seed) && seed >= 0 && seed <= SIM_LIMITS.maxSeed).toBe(true)
  })

  it('converts every flag', () => {
    const dir = tmpdir()
    expect(parseSimFlags({ nodes: '50', messages: '1000', seed: '7', rate: '12.5', workers: '4', timeout: '2.5', contacts: '6', dir, report: dir, json: true })).toEqual({
      nodes: 50, messages: 1000, seed: 7, rate: 12.5, workers: 4, timeoutMs: 2500, contactsPerUser: 6, dir, report: dir, json: true
    })
  })

  it('accepts each limit and refuses one past it', () => {
    expect(parseSimFlags({ nodes: '2', messages: '1', seed: '0', workers: '1' }).nodes).toBe(2)
    expect(parseSimFlags({ nodes: '500', messages: '100000', seed: '4294967295', workers: '16' }).seed).toBe(SIM_LIMITS.maxSeed)
    const cases: Array<[SimFlags, string]> = [
      [{ nodes: '1' }, '--nodes'],
      [{ nodes: '501' }, '--nodes'],
      [{ nodes: '2.5' }, '--nodes'],
      [{ messages: '0' }, '--messages'],
      [{ messages: '100001' }, '--messages'],
      [{ seed: '-1' }, '--seed'],
      [{ seed: '4294967296' }, '--seed'],
      [{ seed: 'abc' }, '--seed'],
      [{ rate: '0' }, '--rate'],
      [{ rate: '-5' }, '--rate'],
      [{ rate: '1e3' }, '--rate'],
      [{ rate: '100001' }, '--rate'],
      [{ workers: '0' }, '--workers'],
      [{ workers: '17' }, '--workers'],
      [{ timeout: '0' }, '--timeout'],
      [{ timeout: '3601' }, '--timeout'],
      [{ contacts: '0' }, '--contacts'],
      [{ dir: '' }, '--dir'],
      [{ dir: join(tmpdir(), 'parley-no-such-dir') }, '--dir: '],
      [{ dir: fileURLToPath(import.meta.url) }, 'is not an existing directory'],
      [{ report: join(tmpdir(), 'parley-no-such-dir') }, '--report: ']
    ]
    for (const [flags, name] of cases) {
      const err = rejection(flags)
      expect(err.code).toBe('invalid_params')
      expect(err.message).toContain(name)
    }
  })

  it('names every bad flag at once', () => {
    const message = rejection({ nodes: '0', rate: 'fast' }).message
    expect(message).toContain('--nodes')
    expect(message).toContain('--rate')
  })
})

describe('parley sim report', () => {
  const result: SimResult = {
    nodes: 20,
    messages: 200,
    seed: 7,
    rate: 100,
    workers: 1,
    contactsPerUser: 4,
    storage: '/dev/shm',
    pairs: 40,
    timeoutS: 30,
    deliveries: { total: 200, delivered: 200, lost: 0, failed: 0, duplicates: 0, notReceived: 0, exactlyOnce: 200 },
    latencyMs: { count: 200, p50: 12.3, p95: 40, p99: 80.4, max: 95, mean: 20 },
    latencyByKind: {
      firstContact: { count: 40, p50: 60, p95: 90, p99: 95, max: 95, mean: 61 },
      later: { count: 160, p50: 11, p95: 30, p99: 39.6, max: 41, mean: 12 }
    },
    memory: combineMemory([memoryReport('main', 20, 100 * 2 ** 20, 300 * 2 ** 20)], 20),
    settled: true,
    unreserved: 0,
    durationsMs: { start: 3000, settle: 1000, introduce: 100, send: 2000, drain: 50 },
    ok: true
  }

  it('prints delivered, latency percentiles and memory, one per line', () => {
    const lines = formatSimResult(result)
    expect(lines).toContain('delivered 200/200 (100.0%)')
    expect(lines).toContain('latency p50 12 ms · p95 40 ms · p99 80 ms (max 95 ms)')
    expect(lines).toContain('  first message to a contact (40): p50 60 ms · p99 95 ms')
    expect(lines).toContain('  later messages (160): p50 11 ms · p99 40 ms')
    expect(lines).toContain('peak RSS 300.0 MiB (10.0 MiB per node)')
    expect(lines.join('\n')).toContain('RSS just before the engines started')
    expect(lines.join('\n')).not.toContain('lost')
  })

  it('says what went wrong when not every message arrived once', () => {
    const lines = formatSimResult({
      ...result,
      deliveries: { total: 200, delivered: 197, lost: 2, failed: 1, duplicates: 0, notReceived: 0, exactlyOnce: 197 },
      ok: false
    })
    expect(lines).toContain('delivered 197/200 (98.5%)')
    expect(lines.join('\n')).toMatch(/lost 2 .* failed 1/)
  })
})

describe('worker IPC schema', () => {
  it('accepts well-formed commands and reports', () => {
    expect(workerCommandSchema.parse({ type: 'send', index: 3, from: 'user001', to: '12D3KooW', text: 'hi' }).type).toBe('send')
    expect(workerCommandSchema.parse({ type: 'start', req: 0, root: '/tmp/x', relayAddr: '/ip4/127.0.0.1/tcp/1', users: ['a'], concurrency: 4 }).type).toBe('start')
    expect(workerReportSchema.parse({ type: 'delivered', index: 3, latencyMs: 12.5 }).type).toBe('delivered')
    expect(workerReportSchema.parse({ type: 'done', req: 2, settle: { waitedMs: 1000, quiet: true } }).type).toBe('done')
  })

  it('refuses unknown types, missing fields and wrong types', () => {
    expect(workerCommandSchema.safeParse({ type: 'explode' }).success).toBe(false)
    expect(workerCommandSchema.safeParse({ type: 'send', index: -1, from: 'a', to: 'b', text: 'x' }).success).toBe(false)
    expect(workerCommandSchema.safeParse({ type: 'start', req: 0, root: '', relayAddr: 'x', users: [], concurrency: 1 }).success).toBe(false)
    expect(workerReportSchema.safeParse({ type: 'delivered', index: 1, latencyMs: '5' }).success).toBe(false)
    expect(workerReportSchema.safeParse({ type: 'userStarted', name: 'a', peerId: 'p', invite: 'i' }).success).toBe(false)
    expect(workerReportSchema.safeParse(null).success).toBe(false)
  })
})

import { describe, expect, it } from 'vitest'
import { parseSimFlags } from '../../../core/cli/sim-command.js'
import { countDeliveries, createRng, memoryReport, percentile, planContacts, planScenario, sendDueMs, summarizeLatency } from '../../../core/sim/scenario.js'
import type { MessageRecord } from '../../../core/sim/scenario.js'

describe('the simulation plan', () => {
  it('is the same for the same seed and differs for another', () => {
    const options = { nodes: 20, messages: 200, contactsPerUser: 4 }
    const a = planScenario({ ...options, seed: 42 })
    expect(planScenario({ ...options, seed: 42 })).toEqual(a)
    expect(planScenario({ ...options, seed: 43 })).not.toEqual(a)
  })

  it('gives every user a contact, never pairs a user with itself, and never repeats a pair', () => {
    for (const seed of [1, 2, 3, 99]) {
      const pairs = planContacts(30, 4, createRng(seed))
      expect(pairs).toHaveLength(60)
      expect(new Set(pairs.map(([a, b]) => `${a}-${b}`)).size).toBe(pairs.length)
      for (const [a, b] of pairs) expect(a).toBeLessThan(b)
      const known = new Set(pairs.flat())
      expect(known.size).toBe(30)
    }
  })

  it('caps the contact graph at every possible pair', () => {
    expect(planContacts(3, 10, createRng(7))).toHaveLength(3)
    expect(planContacts(1, 4, createRng(7))).toEqual([])
  })

  it('sends only over pairs that met, in both directions', () => {
    const { pairs, sends } = planScenario({ nodes: 10, messages: 500, contactsPerUser: 3, seed: 5 })
    const met = new Set(pairs.map(([a, b]) => `${a}-${b}`))
    for (const { from, to } of sends) expect(met.has(from < to ? `${from}-${to}` : `${to}-${from}`)).toBe(true)
    expect(sends.some(s => s.from < s.to)).toBe(true)
    expect(sends.some(s => s.from > s.to)).toBe(true)
  })

  it('paces sends at the rate asked for', () => {
    expect(sendDueMs(0, 100)).toBe(0)
    expect(sendDueMs(100, 100)).toBe(1000)
    expect(sendDueMs(3, 2)).toBe(1500)
  })

  it('draws numbers in [0, 1) and integers in [0, n)', () => {
    const rng = createRng(123)
    for (let i = 0; i < 10_000; i++) {
      const x = rng.next()
      expect(x >= 0 && x < 1).toBe(true)
      const n = rng.int(7)
      expect(Number.isInteger(n) && n >= 0 && n < 7).toBe(true)
    }
  })
})

describe('the figures', () => {
  it('takes percentiles by nearest rank', () => {
    const values = Array.from({ length: 100 }, (_, i) => i + 1)
    expect(percentile(values, 50)).toBe(50)
    expect(percentile(values, 99)).toBe(99)
    expect(percentile(values, 100)).toBe(100)
    expect(percentile([7], 99)).toBe(7)
    expect(() => percentile([], 50)).toThrow()
  })

  it('summarises latency whatever the input order', () => {
    expect(summarizeLatency([])).toBeNull()
    expect(summarizeLatency([30, 10, 20, 40])).toEqual({ count: 4, p50: 20, p95: 40, p99: 40, max: 40, mean: 25 })
  })

  it('counts delivered, lost, failed, duplicated and unreceived messages apart', () => {
    const records: MessageRecord[] = [
      { from: 0, to: 1, id: 'a', latencyMs: 5, received: 0 },
      { from: 0, to: 1, id: 'b', latencyMs: 5, received: 0 },
      { from: 0, to: 1, id: 'c', latencyMs: 5, received: 0 },
      { from: 1, to: 0, id: 'd', received: 0 },
      { from: 1, to: 0, id: 'e', error: 'rejected', received: 0 }
    ]
    const received = new Map([['a', 1], ['b', 2]])
    expect(countDeliveries(records, received)).toEqual({ total: 5, delivered: 3, lost: 1, failed: 1, duplicates: 1, notReceived: 1, exactlyOnce: 1 })
  })

  it('reports memory per node above the baseline', () => {
    expect(memoryReport('main', 10, 100, 300).perNodeBytes).toBe(20)
    expect(memoryReport('main', 0, 100, 300).perNodeBytes).toBeNull()
  })
})

describe('parley sim flags', () => {
  it('applies defaults and keeps a given seed', () => {
    expect(parseSimFlags({ nodes: '20', messages: '200', seed: '9' })).toMatchObject({ nodes: 20, messages: 200, seed: 9, workers: 1, json: false })
    expect(parseSimFlags({}, () => 77).seed).toBe(77)
  })

  it('refuses out-of-range and malformed values, naming the flag', () => {
    const bad: Array<[Record<string, string>, string]> = [
      [{ nodes: '1' }, '--nodes'],
      [{ nodes: '501' }, '--nodes'],
      [{ nodes: '2.5' }, '--nodes'],
      [{ messages: '0' }, '--messages'],
      [{ rate: '0' }, '--rate'],
      [{ rate: '-3' }, '--rate'],
      [{ workers: '17' }, '--workers'],
      [{ timeout: 'soon' }, '--timeout'],
      [{ seed: '4294967296' }, '--seed']
    ]
    for (const [flags, name] of bad) {
      let error: unknown
      try {
        parseSimFlags(flags)
      } catch (err) {
        error = err
      }
      expect(error, JSON.stringify(flags)).toMatchObject({ code: 'invalid_params' })
      expect((error as Error).message).toContain(name)
    }
  })
})

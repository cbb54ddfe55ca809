import { describe, expect, it } from 'vitest'
import { AttemptBudget, MAX_TRACKED_ADDRESSES } from '../../../core/net/attempt-budget.js'

/** A budget on a clock the test moves by hand. */
function budget (perMinute: number, keptForNew: number): { budget: AttemptBudget, advance: (ms: number) => void } {
  let now = 0
  return { budget: new AttemptBudget({ perMinute, keptForNew, now: () => now }), advance: (ms) => { now += ms } }
}

function takeAll (b: AttemptBudget, key: string, kind: 'new' | 'renewal', times: number): boolean[] {
  return Array.from({ length: times }, () => b.take(key, kind))
}

describe('AttemptBudget', () => {
  it('allows perMinute attempts at once, then one per 60/perMinute seconds', () => {
    const { budget: b, advance } = budget(6, 0)
    expect(takeAll(b, 'a', 'new', 7)).toEqual([true, true, true, true, true, true, false])
    advance(9_999)
    expect(b.take('a', 'new')).toBe(false)
    advance(1)
    expect(b.take('a', 'new')).toBe(true)
    expect(b.take('a', 'new')).toBe(false)
    // A quiet minute refills it, and no further.
    advance(10 * 60_000)
    expect(takeAll(b, 'a', 'new', 7).filter(Boolean)).toHaveLength(6)
  })

  it('keeps keys apart', () => {
    const { budget: b } = budget(2, 0)
    expect(takeAll(b, 'a', 'new', 3)).toEqual([true, true, false])
    expect(b.take('b', 'new')).toBe(true)
  })

  it('stops renewals at the part kept for newcomers, newcomers not', () => {
    const { budget: b } = budget(10, 5)
    expect(takeAll(b, 'a', 'renewal', 6)).toEqual([true, true, true, true, true, false])
    expect(takeAll(b, 'a', 'new', 6)).toEqual([true, true, true, true, true, false])
  })

  it('forgets keys whose budget is full again, and never holds more than MAX_TRACKED_ADDRESSES', () => {
    const { budget: b, advance } = budget(10, 0)
    for (let i = 0; i < MAX_TRACKED_ADDRESSES + 10; i++) b.take(`k${i}`, 'new')
    expect(b.size).toBe(MAX_TRACKED_ADDRESSES)
    // The least recently seen went first: k0 starts over with a full budget.
    expect(takeAll(b, 'k0', 'new', 11).filter(Boolean)).toHaveLength(10)
    // Once budgets are full again each call drops one of them.
    advance(60_000)
    for (let i = 0; i < 100; i++) b.take('fresh', 'new')
    expect(b.size).toBe(MAX_TRACKED_ADDRESSES - 100 + 1)
  })
})

import { percentile as nearestRank } from '../core/sim/scenario.js'

/** Percentile by nearest rank over a copy of `values` (the same rule as `parley sim`). */
export function percentile (values: number[], p: number): number {
  return nearestRank([...values].sort((a, b) => a - b), p)
}

export interface BenchResult {
  name: string
  value: number
  unit: string
  baseline: number
  /** value / baseline. */
  ratio: number
  /** What the figure should be, in words (for the human-readable report). */
  target?: string
}

export function result (name: string, value: number, unit: string, baseline: number, target?: string): BenchResult {
  return { name, value: round(value), unit, baseline: round(baseline), ratio: round(value / baseline), target }
}

function round (n: number): number {
  return Math.round(n * 1000) / 1000
}

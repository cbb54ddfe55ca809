/** Percentile by nearest rank over a copy of `values`. */
export function percentile (values: number[], p: number): number {
  if (values.length === 0) throw new Error('no samples')
  const sorted = [...values].sort((a, b) => a - b)
  const rank = Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1))
  return sorted[rank]
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

import { readFileSync, readdirSync } from 'node:fs'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { afterEach, describe, expect, it } from 'vitest'
import type { SimReport } from '../../core/sim/report.js'
import type { SimResult } from '../../core/sim/scenario.js'
import { runToExit } from '../helpers/child.js'
import type { Finished } from '../helpers/child.js'
import { tempDir } from '../helpers/temp.js'

const PARLEY = fileURLToPath(new URL('../../bin/parley', import.meta.url))
const dirs: Array<{ remove: () => void }> = []
afterEach(() => { for (const d of dirs.splice(0)) d.remove() })

/** Runs the built binary with its temp dirs in `tmp` (--dir for the simulation), so the test can see that the run cleaned up after itself. */
async function parley (args: string[], tmp: string): Promise<Finished> {
  return await runToExit(PARLEY, [...args, '--dir', tmp], { env: { ...process.env, TMPDIR: tmp }, timeoutMs: 170_000 })
}

function freshTmp (): string {
  const dir = tempDir('parley-sim-test')
  dirs.push(dir)
  return dir.path
}

describe('parley sim', () => {
  it('delivers every one of 200 messages among 20 users exactly once, and prints the figures as one JSON document', async () => {
    const tmp = freshTmp()
    const run = await parley(['sim', '--nodes', '20', '--messages', '200', '--seed', '7', '--json'], tmp)
    expect(run.status, run.stderr.slice(-2000)).toBe(0)
    // The whole of stdout is one JSON document.
    const report = JSON.parse(run.stdout) as SimResult
    expect(report).toMatchObject({ nodes: 20, messages: 200, seed: 7, rate: 25, workers: 1, storage: tmp, ok: true })
    expect(report.deliveries).toEqual({ total: 200, delivered: 200, lost: 0, failed: 0, duplicates: 0, notReceived: 0, exactlyOnce: 200 })
    const latency = report.latencyMs
    expect(latency?.count).toBe(200)
    expect(latency?.p50).toBeGreaterThan(0)
    expect(latency?.p50).toBeLessThanOrEqual(latency?.p95 ?? 0)
    expect(latency?.p95).toBeLessThanOrEqual(latency?.p99 ?? 0)
    expect(latency?.p99).toBeLessThanOrEqual(latency?.max ?? 0)
    // Sane, not fast: delivered within the run's own timeout.
    expect(latency?.max).toBeLessThan(report.timeoutS * 1000)
    expect(report.memory.peakRssBytes).toBeGreaterThan(report.memory.processes[0].baselineRssBytes)
    expect(report.memory.perNodeBytes).toBeGreaterThan(0)
    // No bar without a terminal; the temp dir with 20 databases is gone.
    expect(run.stderr).not.toContain('\r')
    expect(readdirSync(tmp)).toEqual([])
  }, 180_000)

  it('runs the engines in worker processes with --workers, and prints the figures as text', async () => {
    const tmp = freshTmp()
    const reportDir = freshTmp()
    const run = await parley(['sim', '--nodes', '6', '--messages', '30', '--seed', '3', '--workers', '2', '--report', reportDir], tmp)
    expect(run.status, run.stderr.slice(-2000)).toBe(0)
    expect(run.stdout).toContain('in 2 worker processes')
    expect(run.stdout).toContain('delivered 30/30 (100.0%)')
    expect(run.stdout).toMatch(/latency p50 \d+ ms · p95 \d+ ms · p99 \d+ ms/)
    expect(run.stdout).toMatch(/worker 1: 3 nodes, peak RSS [\d.]+ MiB \([\d.]+ MiB per node\)/)
    expect(run.stdout).toMatch(/worker 2: 3 nodes/)
    expect(readdirSync(tmp)).toEqual([])
    // The report: the same figures plus every message's latency, and a page of plots.
    expect(readdirSync(reportDir).sort()).toEqual(['sim-report.html', 'sim-report.json'])
    const report = JSON.parse(readFileSync(join(reportDir, 'sim-report.json'), 'utf8')) as SimReport
    expect(report.result.deliveries.exactlyOnce).toBe(30)
    expect(report.trace.messages).toHaveLength(30)
    expect(report.trace.messages.every(m => m.latencyMs != null && m.latencyMs > 0)).toBe(true)
    expect(report.trace.rss.length).toBeGreaterThan(1)
    expect(readFileSync(join(reportDir, 'sim-report.html'), 'utf8').match(/<svg /g)).toHaveLength(3)
    expect(run.stderr).toContain(`sim: report in ${join(reportDir, 'sim-report.json')}`)
  }, 120_000)

  it('refuses bad flags with exit code 2 before starting anything', async () => {
    const tmp = freshTmp()
    const run = await parley(['sim', '--nodes', '1', '--rate', '0'], tmp)
    expect(run.status).toBe(2)
    expect(run.stderr).toContain('--nodes must be an integer from 2 to 500')
    expect(run.stderr).toContain('--rate')
    expect(run.stdout).toBe('')
    expect(readdirSync(tmp)).toEqual([])
  })
})

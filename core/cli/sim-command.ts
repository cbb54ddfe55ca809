import { randomInt } from 'node:crypto'
import { statSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { z } from 'zod'
import { InvalidParamsError } from '../errors.js'
import { SIM_DEFAULTS, SIM_LIMITS } from '../sim/scenario.js'
import { missingCase } from '../unreachable.js'
import { integerFlag, positiveFlag } from './flags.js'
import type { SimPhase, SimProgress, SimulationOptions } from '../sim/harness.js'
import { renderReportHtml } from '../sim/report.js'
import type { SimReport, SimTrace } from '../sim/report.js'
import type { SimResult } from '../sim/scenario.js'
import type { Command } from 'commander'

const EXAMPLE = `
Example:
  $ parley sim --nodes 50 --messages 1000 --seed 1
  sim: 50 nodes, 100 contact pairs, 1000 messages at 25/s, seed 1, in this process, databases under /dev/shm
  delivered 1000/1000 (100.0%)
  latency p50 8 ms · p95 43 ms · p99 104 ms (max 269 ms)
    first message to a contact (199): p50 16 ms · p99 211 ms
    later messages (801): p50 7 ms · p99 30 ms
  peak RSS 651.2 MiB (10.4 MiB per node)
  ...

Starts a relay and --nodes engines on 127.0.0.1, each with a real encrypted
database in a temp dir (deleted afterwards, also on Ctrl-C). The temp dir is
in RAM (/dev/shm) when there is room: in one process every engine's fsync
would stall all the others, which measures the disk, not Parley; --dir puts
it elsewhere. Users exchange invites with about --contacts others. Once the
start-up storm has passed (each process under half a core busy, at most
60 s), --messages messages go out at a steady --rate between random pairs of
contacts. With --workers N the engines run in N child processes; this one
keeps the relay and the script. Latency runs from send() to the sender's
"delivered" status (the recipient's ack after its commit), and is also
given apart for each sender's first message to a recipient (which finds the
peer and sets up the Signal session); a message not delivered within
--timeout seconds of the last send is lost. RSS per node = (peak RSS − RSS
just before the engines started) / nodes, per process. The same --seed gives
the same pairs in the same order; without one a random seed is used and
printed.

Exit status: 0 when every message was delivered (and received exactly once),
1 otherwise, 2 for invalid flags.`

/** `parley sim` flags as commander hands them over: strings, each optional. */
export interface SimFlags {
  nodes?: string
  messages?: string
  seed?: string
  rate?: string
  workers?: string
  timeout?: string
  contacts?: string
  dir?: string
  report?: string
  json?: boolean
}

/** What the flags become: a simulation to run, and how to print it. */
export type SimCommandOptions = Omit<SimulationOptions, 'startConcurrency'> & {
  json: boolean
  /** A directory to write sim-report.json and sim-report.html into. */
  report?: string
}

const schema = z.object({
  nodes: integerFlag('--nodes', SIM_LIMITS.minNodes, SIM_LIMITS.maxNodes).optional(),
  messages: integerFlag('--messages', 1, SIM_LIMITS.maxMessages).optional(),
  seed: integerFlag('--seed', 0, SIM_LIMITS.maxSeed).optional(),
  rate: positiveFlag('--rate', SIM_LIMITS.maxRate).optional(),
  workers: integerFlag('--workers', 1, SIM_LIMITS.maxWorkers).optional(),
  timeout: positiveFlag('--timeout', SIM_LIMITS.maxTimeoutS).optional(),
  contacts: integerFlag('--contacts', 1, SIM_LIMITS.maxNodes - 1).optional(),
  dir: existingDirectory('--dir').optional(),
  report: existingDirectory('--report').optional(),
  json: z.boolean().optional()
})

/** Validates and converts the flags; throws `InvalidParamsError` naming each bad flag. */
export function parseSimFlags (flags: SimFlags, randomSeed: () => number = () => randomInt(0, SIM_LIMITS.maxSeed + 1)): SimCommandOptions {
  const result = schema.safeParse(flags)
  if (!result.success) throw new InvalidParamsError(result.error.issues.map(issue => issue.message).join('; '))
  const parsed = result.data
  return {
    nodes: parsed.nodes ?? SIM_DEFAULTS.nodes,
    messages: parsed.messages ?? SIM_DEFAULTS.messages,
    seed: parsed.seed ?? randomSeed(),
    rate: parsed.rate ?? SIM_DEFAULTS.rate,
    workers: parsed.workers ?? SIM_DEFAULTS.workers,
    timeoutMs: (parsed.timeout ?? SIM_DEFAULTS.timeoutS) * 1000,
    contactsPerUser: parsed.contacts ?? SIM_DEFAULTS.contactsPerUser,
    dir: parsed.dir,
    report: parsed.report,
    json: parsed.json ?? false
  }
}

/** Some message was lost, failed or arrived other than exactly once. */
export class SimulationFailedError extends Error {
  static override readonly name = 'SimulationFailedError'
  constructor (message: string) {
    super(message)
    this.name = SimulationFailedError.name
  }
}

/** Registers `parley sim`: many engines on loopback, scripted users, latency and memory figures. */
export function registerSimCommand (program: Command): void {
  program.command('sim')
    .description('simulate many users on 127.0.0.1 and report delivery, latency and memory')
    .option('--nodes <n>', `engines (users) to start, ${SIM_LIMITS.minNodes}–${SIM_LIMITS.maxNodes} (default: ${SIM_DEFAULTS.nodes})`)
    .option('--messages <n>', `messages to send, 1–${SIM_LIMITS.maxMessages} (default: ${SIM_DEFAULTS.messages})`)
    .option('--seed <n>', `seed for the contact graph and the send order, 0–${SIM_LIMITS.maxSeed} (default: random, printed)`)
    .option('--rate <msgs/s>', `steady send rate in messages per second (default: ${SIM_DEFAULTS.rate})`)
    .option('--contacts <n>', `contacts per user, by invite exchange (default: ${SIM_DEFAULTS.contactsPerUser})`)
    .option('--workers <n>', `processes to run the engines in, 1–${SIM_LIMITS.maxWorkers}; 1 runs everything in this process (default: ${SIM_DEFAULTS.workers})`)
    .option('--timeout <seconds>', `how long after the last send a message may still be delivered (default: ${SIM_DEFAULTS.timeoutS})`)
    .option('--dir <path>', 'make the temp dir for the databases in this existing directory (default: /dev/shm when it has 1 GiB free, else the system temp dir)')
    .option('--report <dir>', 'also write sim-report.json (figures and every message\'s latency) and sim-report.html (plots) into this existing directory')
    .option('--json', 'print the figures as one JSON document on stdout')
    .addHelpText('after', EXAMPLE)
    .action(async (flags: SimFlags) => { await runSim(parseSimFlags(flags)) })
}

async function runSim (options: SimCommandOptions): Promise<void> {
  const controller = new AbortController()
  const signals = onInterrupt(() => { controller.abort(new Error('interrupted')) })
  const progress = new ProgressDisplay(process.stderr, options)
  try {
    // Loaded here, not at the top: libp2p takes a second to import, and `--help` should not wait for it.
    const { runSimulation } = await import('../sim/harness.js')
    let trace: SimTrace | undefined
    const result = await runSimulation({
      nodes: options.nodes,
      messages: options.messages,
      seed: options.seed,
      rate: options.rate,
      workers: options.workers,
      timeoutMs: options.timeoutMs,
      contactsPerUser: options.contactsPerUser,
      dir: options.dir,
      signal: controller.signal,
      onProgress: (p) => { progress.update(p) },
      onWarning: (message) => {
        progress.end()
        process.stderr.write(`sim: warning: ${message}\n`)
      },
      onTrace: (t) => { trace = t }
    })
    progress.end()
    if (options.report != null && trace != null) {
      const written = writeReport(options.report, { result, trace })
      process.stderr.write(`sim: report in ${written.join(' and ')}\n`)
    }
    process.stdout.write(options.json ? `${JSON.stringify(result, null, 2)}\n` : formatSimResult(result).map(l => `${l}\n`).join(''))
    if (!result.ok) {
      const { total, exactlyOnce } = result.deliveries
      throw new SimulationFailedError(`${total - exactlyOnce} of ${total} messages were not delivered exactly once`)
    }
  } finally {
    progress.end()
    signals.dispose()
  }
}

const MIB = 1024 * 1024

function mib (bytes: number): string {
  return `${(bytes / MIB).toFixed(1)} MiB`
}

function ms (value: number): string {
  return `${Math.round(value)} ms`
}

function seconds (value: number): string {
  return `${(value / 1000).toFixed(1)} s`
}

/** The human-readable report: one figure per line. */
export function formatSimResult (r: SimResult): string[] {
  const d = r.deliveries
  const where = r.workers <= 1 ? 'in this process' : `in ${r.workers} worker processes`
  const storage = `databases under ${r.storage}`
  const lines = [
    `sim: ${r.nodes} nodes, ${r.pairs} contact pairs, ${r.messages} messages at ${r.rate}/s, seed ${r.seed}, ${where}, ${storage}`,
    `delivered ${d.delivered}/${d.total} (${((100 * d.delivered) / d.total).toFixed(1)}%)`
  ]
  if (!r.ok) {
    lines.push(`lost ${d.lost} (not delivered within ${r.timeoutS} s of the last send) · failed ${d.failed} · received twice or more ${d.duplicates} · acked but never received ${d.notReceived}`)
  }
  const l = r.latencyMs
  lines.push(l == null
    ? 'latency: nothing was delivered'
    : `latency p50 ${ms(l.p50)} · p95 ${ms(l.p95)} · p99 ${ms(l.p99)} (max ${ms(l.max)})`)
  for (const [label, kind] of [['first message to a contact', r.latencyByKind.firstContact], ['later messages', r.latencyByKind.later]] as const) {
    if (kind != null) lines.push(`  ${label} (${kind.count}): p50 ${ms(kind.p50)} · p99 ${ms(kind.p99)}`)
  }
  lines.push(`peak RSS ${mib(r.memory.peakRssBytes)} (${mib(r.memory.perNodeBytes)} per node)`)
  if (r.workers > 1) {
    r.memory.processes.forEach((p, i) => {
      lines.push(p.role === 'main'
        ? `  main process (relay and script): peak RSS ${mib(p.peakRssBytes)}`
        : `  worker ${i}: ${p.nodes} nodes, peak RSS ${mib(p.peakRssBytes)} (${mib(p.perNodeBytes ?? 0)} per node)`)
    })
  }
  lines.push(`  ${r.memory.method}`)
  if (r.unreserved > 0) lines.push(`${r.unreserved} users got no relay reservation at start (reachable only by a direct address)`)
  const t = r.durationsMs
  lines.push(`phases: start ${seconds(t.start)} · invites ${seconds(t.introduce)} · settle ${seconds(t.settle)}${r.settled ? '' : ' (still busy: sends began anyway)'} · send ${seconds(t.send)} · drain ${seconds(t.drain)}`)
  return lines
}

const PHASE_LABELS: Record<SimPhase, string> = {
  starting: 'starting nodes',
  introducing: 'exchanging invites',
  settling: 'waiting for the network to settle',
  sending: 'sending',
  draining: 'waiting for acks',
  stopping: 'stopping'
}

const BAR_WIDTH = 24
/** Without a terminal, a plain line this often at most (besides one per phase). */
const PLAIN_INTERVAL_MS = 5_000

/**
 * Progress on stderr: a bar redrawn in place on a terminal; otherwise a plain
 * line per phase and now and then, so logs show the run is alive.
 */
export class ProgressDisplay {
  private phase: SimPhase | undefined
  private lastPlain = 0
  private drawn = false
  private lastLine = ''

  constructor (private readonly out: NodeJS.WriteStream, private readonly options: Pick<SimCommandOptions, 'nodes' | 'messages' | 'seed'>) {}

  update (p: SimProgress): void {
    const text = progressText(p)
    if (this.out.isTTY) {
      const filled = p.total > 0 ? Math.min(BAR_WIDTH, Math.round((BAR_WIDTH * p.done) / p.total)) : BAR_WIDTH
      const line = `[${'#'.repeat(filled)}${'-'.repeat(BAR_WIDTH - filled)}] ${text}`
      if (line !== this.lastLine || !this.drawn) this.out.write(`\r\x1b[2K${line}`)
      this.lastLine = line
      this.drawn = true
      return
    }
    const now = Date.now()
    if (p.phase !== this.phase) {
      if (this.phase == null) this.out.write(`sim: ${this.options.nodes} nodes, ${this.options.messages} messages, seed ${this.options.seed}\n`)
      this.phase = p.phase
    } else if (now - this.lastPlain < PLAIN_INTERVAL_MS) {
      return
    }
    this.lastPlain = now
    this.out.write(`sim: ${text}\n`)
  }

  /** Clears the bar, so the report starts on a clean line. */
  end (): void {
    if (this.drawn) this.out.write('\r\x1b[2K')
    this.drawn = false
  }
}

function progressText (p: SimProgress): string {
  const label = PHASE_LABELS[p.phase]
  switch (p.phase) {
    case 'starting':
    case 'introducing':
      return `${label} ${p.done}/${p.total}`
    case 'sending':
      return `${label} ${p.sent}/${p.total} · delivered ${p.delivered}`
    case 'draining':
      return `${label}: delivered ${p.delivered}/${p.total}`
    case 'settling':
    case 'stopping':
      return label
    default:
      return missingCase(p.phase)
  }
}

const STOP_SIGNALS: NodeJS.Signals[] = ['SIGINT', 'SIGTERM']

/** First signal: a clean stop (nodes stopped, temp dir removed). A second: leave at once. */
function onInterrupt (stop: () => void): { dispose: () => void } {
  let received = false
  const handler = (name: NodeJS.Signals): void => {
    // On a terminal the progress bar holds the current line.
    const newline = process.stderr.isTTY ? '\n' : ''
    if (received) {
      process.stderr.write(`${newline}sim: ${name} during stop, exiting at once (the temp dir may remain)\n`)
      process.exit(1)
    }
    received = true
    process.stderr.write(`${newline}sim: ${name}: stopping every node…\n`)
    stop()
  }
  for (const name of STOP_SIGNALS) process.on(name, handler)
  return { dispose: () => { for (const name of STOP_SIGNALS) process.off(name, handler) } }
}

/** Writes the report's JSON and HTML into `dir`; returns their paths. */
function writeReport (dir: string, report: SimReport): string[] {
  const json = join(dir, 'sim-report.json')
  const html = join(dir, 'sim-report.html')
  writeFileSync(json, `${JSON.stringify(report)}\n`)
  writeFileSync(html, renderReportHtml(report, formatSimResult(report.result)))
  return [json, html]
}

function existingDirectory (flag: string): z.ZodType<string, string> {
  return z.string().trim().min(1, { error: `${flag} must name a directory` })
    .refine(isDirectory, { error: (issue) => `${flag}: ${String(issue.input)} is not an existing directory` })
}

function isDirectory (path: string): boolean {
  try {
    return statSync(path).isDirectory()
  } catch {
    return false
  }
}

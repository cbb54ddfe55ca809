import { fork } from 'node:child_process'
import { existsSync, rmSync } from 'node:fs'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { generateKeyPair } from '@libp2p/crypto/keys'
import { peerIdFromString } from '@libp2p/peer-id'
import { multiaddr } from '@multiformats/multiaddr'
import { Engine } from '../host/engine.js'
import type { EngineOptions } from '../host/engine.js'
import { createParleyNode } from '../net/presets.js'
import { PassphraseKeyWrapper } from '../store/key-wrapper.js'
import type { ParleyNode } from '../net/presets.js'
import type { ScryptCost } from '../store/key-wrapper.js'
import { withDeadline } from '../deadline.js'
import { errorMessage, toError } from '../errors.js'
import { missingCase } from '../unreachable.js'
import { MemorySampler, SETTLE, SIM_DEFAULTS, combineMemory, countDeliveries, isSettled, latencyByKind, planScenario, sendDueMs, pause, summarizeLatency, waitForQuiet } from './scenario.js'
import { makeSimRoot } from './temp-root.js'
import { traceMessages } from './report.js'
import type { SimTrace } from './report.js'
import type { MessageRecord, ProcessMemory, SettleOutcome, SimResult } from './scenario.js'
import { ipcProblem, workerReportSchema } from './sim-ipc.js'
import type { WorkerCommand, WorkerReport } from './sim-ipc.js'
import type { ChildProcess } from 'node:child_process'

/** Cheap scrypt for simulations: the data is throwaway, start-up time is not. */
export const SIM_SCRYPT_COST: ScryptCost = { N: 2 ** 10, r: 8, p: 1 }
export const SIM_PASSPHRASE = 'simulation passphrase'

/** The key wrapper every simulated user's data dir is made with. */
export function simKeyWrapper (): PassphraseKeyWrapper {
  return new PassphraseKeyWrapper(SIM_PASSPHRASE, SIM_SCRYPT_COST)
}

export interface SimUser {
  name: string
  dataDir: string
  engine: Engine
  /** Listen addresses this user starts with (kept across restarts). */
  listen: string[]
}

export interface AddUserOptions {
  /** Reachable only through the relay: no direct listener at all. */
  relayOnly?: boolean
  /** Leave the relay out of this user's invite (so others must find it through the DHT). */
  noInviteRelays?: boolean
  /**
   * Run the `desktop` preset, as users do, but kept on this machine: no
   * mDNS, WebRTC bound to 127.0.0.1, listening on loopback only.
   */
  desktop?: boolean
}

/** The `desktop` preset's listen addresses, on loopback. */
export const SAME_HOST_DESKTOP_LISTEN = ['/ip4/127.0.0.1/tcp/0', '/p2p-circuit', '/webrtc']

/**
 * A relay and any number of engines on 127.0.0.1, each with a real encrypted
 * database in a temp dir. Integration tests and benchmarks build their
 * networks with it.
 */
export class SimNetwork {
  readonly root: string
  /** The directory `root` was made in (see makeSimRoot). */
  readonly storage: string
  readonly relay: ParleyNode
  readonly relayAddr: string
  private readonly users = new Map<string, SimUser>()
  private readonly options = new Map<string, AddUserOptions>()

  private constructor (root: { dir: string, parent: string }, relay: ParleyNode) {
    this.root = root.dir
    this.storage = root.parent
    this.relay = relay
    const tcp = relay.getMultiaddrs().find(a => a.toString().includes('/tcp/') && !a.toString().includes('/ws'))
    if (tcp == null) throw new Error('the relay has no TCP address')
    this.relayAddr = tcp.toString()
  }

  /** `parent`: where to make the temp dir (default: see makeSimRoot). */
  static async create (parent?: string): Promise<SimNetwork> {
    const root = makeSimRoot(parent)
    const relay = await createParleyNode({
      preset: 'relay',
      loopback: true,
      privateKey: await generateKeyPair('Ed25519'),
      listen: ['/ip4/127.0.0.1/tcp/0'],
      relayLimits: { maxReservations: 1024, durationLimitMs: 10 * 60 * 1000, dataLimitBytes: 1n << 26n }
    })
    return new SimNetwork(root, relay)
  }

  async addUser (name: string, options: AddUserOptions = {}): Promise<SimUser> {
    const dataDir = join(this.root, name)
    await Engine.init(dataDir, this.wrapper(), name)
    this.options.set(name, options)
    return await this.startUser(name)
  }

  /** Starts (or restarts) a user's engine on its existing data dir. */
  async startUser (name: string): Promise<SimUser> {
    const engineOptions = simEngineOptions(join(this.root, name), this.relayAddr, this.options.get(name))
    const engine = await Engine.start(engineOptions)
    const user = { name, dataDir: engineOptions.dataDir, engine, listen: engineOptions.listen ?? [] }
    this.users.set(name, user)
    return user
  }

  async stopUser (name: string): Promise<void> {
    await this.users.get(name)?.engine.stop()
    this.users.delete(name)
  }

  user (name: string): SimUser {
    const user = this.users.get(name)
    if (user == null) throw new Error(`no running user ${name}`)
    return user
  }

  wrapper (): PassphraseKeyWrapper {
    return simKeyWrapper()
  }

  async stop (): Promise<void> {
    await Promise.all([...this.users.values()].map(async u => { await u.engine.stop() }))
    this.users.clear()
    await this.relay.stop()
    rmSync(this.root, { recursive: true, force: true })
  }
}

/** How a simulated user's engine starts: loopback only, bootstrapped from (and reachable through) the relay. */
export function simEngineOptions (dataDir: string, relayAddr: string, options: AddUserOptions = {}): EngineOptions {
  const desktop = options.desktop === true
  return {
    dataDir,
    wrapper: simKeyWrapper(),
    preset: desktop ? 'desktop' : 'sim',
    sameHost: desktop,
    listen: options.relayOnly === true ? [`${relayAddr}/p2p-circuit`] : desktop ? SAME_HOST_DESKTOP_LISTEN : ['/ip4/127.0.0.1/tcp/0', '/p2p-circuit'],
    bootstrap: [relayAddr],
    inviteRelays: options.noInviteRelays === true ? [] : undefined
  }
}

/** Both users add each other from their invite codes. */
export async function introduce (a: SimUser, b: SimUser): Promise<void> {
  await a.engine.addContact(await b.engine.invite(), b.name)
  await b.engine.addContact(await a.engine.invite(), a.name)
}

/** Polls `check` until it returns true or `timeoutMs` passes. */
export async function waitFor (check: () => boolean | Promise<boolean>, timeoutMs: number, what = 'condition'): Promise<void> {
  const deadline = Date.now() + timeoutMs
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`)
    await new Promise(resolve => setTimeout(resolve, 20))
  }
}

/* ------------------------------------------------------------------------ *
 * Scripted runs (`parley sim`): hosts that run engines, and the driver.
 * ------------------------------------------------------------------------ */

/** A started user as the script sees it. */
export interface SimUserInfo {
  name: string
  peerId: string
  invite: string
  /** Whether the relay held a reservation for this user when it was reported started. */
  reserved: boolean
}

/** What a host reports about the script's messages, keyed by the script's message index. */
export interface HostListener {
  userStarted?: (user: SimUserInfo) => void
  sent: (index: number, id: string) => void
  /** `latencyMs`: from the `send()` call to the `delivered` status, on the sender's clock. */
  delivered: (index: number, latencyMs: number) => void
  failed: (index: number, error: string) => void
  /** The recipient emitted an incoming `message` event for `id`. */
  received: (id: string) => void
}

/** Where engines run: this process ({@link EngineHost}) or a worker process ({@link WorkerHost}). */
export interface SimHost {
  startUsers: (names: string[], concurrency: number) => Promise<SimUserInfo[]>
  addContacts: (user: string, contacts: Array<{ name: string, invite: string }>) => Promise<void>
  /** Fire and forget: the outcome arrives through the listener. */
  send: (index: number, from: string, to: string, text: string) => void
  /** Waits until the host's process is quiet after the start-up storm. */
  settle: (maxMs: number, signal?: AbortSignal) => Promise<SettleOutcome>
  /** The host's own memory figures, or undefined when it shares the driver's process. */
  finish: () => Promise<ProcessMemory | undefined>
  stop: () => Promise<void>
}

/** How long a started engine is given to hold a relay reservation (a 50-node start on 2 cores is busy). */
const RESERVATION_WAIT_MS = 30_000
const RESERVATION_POLL_MS = 100
const RELAY_DIAL_TIMEOUT_MS = 10_000

function hasCircuitAddress (engine: Engine): boolean {
  return engine.node.getMultiaddrs().some(a => a.toString().includes('/p2p-circuit'))
}

/**
 * Engines in this process, each with its data dir under `root`, bootstrapped
 * from the relay. Measures each message's latency from the `send()` call to
 * the sender's `delivered` status.
 */
export class EngineHost implements SimHost {
  private readonly engines = new Map<string, Engine>()
  /** Sent messages awaiting their final status, by message id. */
  private readonly pending = new Map<string, { index: number, startedAt: number }>()
  /** Final statuses that arrived before `send()` returned the id (possible in principle, so handled). */
  private readonly early = new Map<string, { at: number, error?: string }>()
  private readonly starting = new Set<Promise<unknown>>()
  private stopped = false

  constructor (private readonly root: string, private readonly relayAddr: string, private readonly listener: HostListener) {}

  async startUsers (names: string[], concurrency: number): Promise<SimUserInfo[]> {
    return await mapLimit(names, concurrency, async (name) => {
      const started = this.startUser(name)
      this.starting.add(started)
      try {
        return await started
      } finally {
        this.starting.delete(started)
      }
    })
  }

  private async startUser (name: string): Promise<SimUserInfo> {
    if (this.stopped) throw new Error('the host is stopping')
    const dataDir = join(this.root, name)
    await Engine.init(dataDir, simKeyWrapper(), name)
    const engine = await Engine.start(simEngineOptions(dataDir, this.relayAddr))
    if (this.stopped) {
      await engine.stop()
      throw new Error('the host is stopping')
    }
    this.engines.set(name, engine)
    this.watch(engine)
    const reserved = await this.waitForReservation(engine)
    const info = { name, peerId: engine.peerId, invite: await engine.invite(), reserved }
    this.listener.userStarted?.(info)
    return info
  }

  /**
   * Until the relay holds a reservation for a user, a contact who knows only
   * the invite cannot reach them (peers that learnt a direct address through
   * the DHT still can). The bootstrap dial is made once and not retried, and
   * on a busy machine its handshake can time out, so the relay is dialled
   * again while there is no connection. Gives up after a while rather than
   * failing the run: the result counts users who never got a reservation.
   */
  private async waitForReservation (engine: Engine): Promise<boolean> {
    const relay = multiaddr(this.relayAddr)
    const relayPeer = relay.getComponents().find(c => c.name === 'p2p')?.value
    const deadline = performance.now() + RESERVATION_WAIT_MS
    while (!this.stopped && !hasCircuitAddress(engine)) {
      if (performance.now() > deadline) return false
      if (relayPeer != null && engine.node.getConnections(peerIdFromString(relayPeer)).length === 0) {
        await withDeadline(RELAY_DIAL_TIMEOUT_MS, 'a relay dial', undefined, async signal => await engine.node.dial(relay, { signal })).catch(() => {})
      }
      await pause(RESERVATION_POLL_MS)
    }
    return true
  }

  private watch (engine: Engine): void {
    engine.addEventListener('messageStatus', (event) => {
      const { id, status, error } = event.detail
      if (status === 'delivered') this.conclude(id, { at: performance.now() })
      else if (status === 'failed') this.conclude(id, { at: performance.now(), error: error ?? 'failed' })
    })
    engine.addEventListener('message', (event) => {
      if (!event.detail.outgoing) this.listener.received(event.detail.id)
    })
  }

  private conclude (id: string, outcome: { at: number, error?: string }): void {
    const sent = this.pending.get(id)
    if (sent == null) {
      this.early.set(id, outcome)
      return
    }
    this.pending.delete(id)
    if (outcome.error != null) this.listener.failed(sent.index, outcome.error)
    else this.listener.delivered(sent.index, outcome.at - sent.startedAt)
  }

  async addContacts (user: string, contacts: Array<{ name: string, invite: string }>): Promise<void> {
    const engine = this.engine(user)
    for (const contact of contacts) await engine.addContact(contact.invite, contact.name)
  }

  send (index: number, from: string, to: string, text: string): void {
    const engine = this.engines.get(from)
    if (engine == null) {
      this.listener.failed(index, `no running user ${from}`)
      return
    }
    const startedAt = performance.now()
    engine.send(to, text).then((message) => {
      this.listener.sent(index, message.id)
      this.pending.set(message.id, { index, startedAt })
      const early = this.early.get(message.id)
      if (early != null) {
        this.early.delete(message.id)
        this.conclude(message.id, early)
      }
    }, (err: unknown) => { this.listener.failed(index, errorMessage(err)) })
  }

  async settle (maxMs: number, signal?: AbortSignal): Promise<SettleOutcome> {
    return await waitForQuiet(maxMs, signal)
  }

  async finish (): Promise<ProcessMemory | undefined> {
    return undefined
  }

  get size (): number {
    return this.engines.size
  }

  async stop (): Promise<void> {
    this.stopped = true
    // Engines still starting stop themselves when they finish (see startUser).
    await Promise.allSettled([...this.starting])
    await Promise.allSettled([...this.engines.values()].map(async e => { await e.stop() }))
    this.engines.clear()
  }

  private engine (name: string): Engine {
    const engine = this.engines.get(name)
    if (engine == null) throw new Error(`no running user ${name}`)
    return engine
  }
}

/** How long a worker may take to stop its engines before it is killed. */
const WORKER_STOP_TIMEOUT_MS = 20_000

/**
 * A worker process (dist/core/sim/sim-worker.js) running its share of the
 * engines, driven over IPC. Every report is checked against the schema.
 */
export class WorkerHost implements SimHost {
  private readonly child: ChildProcess
  private readonly requests = new Map<number, { resolve: (done: DoneReport) => void, reject: (err: Error) => void }>()
  private readonly started: SimUserInfo[] = []
  private nextReq = 0
  private exited: Error | undefined
  private readonly exit: Promise<void>

  constructor (private readonly root: string, private readonly relayAddr: string, private readonly listener: HostListener) {
    const script = fileURLToPath(new URL('./sim-worker.js', import.meta.url))
    if (!existsSync(script)) throw new Error(`${script} is missing: worker mode runs from the build (npm run build)`)
    // Worker stdout is ignored: `parley sim --json` owns this process's stdout. Stderr passes through.
    this.child = fork(script, [], { stdio: ['ignore', 'ignore', 'inherit', 'ipc'] })
    this.child.on('message', (raw: unknown) => { this.onReport(raw) })
    this.exit = new Promise(resolve => {
      this.child.on('exit', (code, signal) => {
        this.exited = new Error(`sim worker ${this.child.pid ?? '?'} exited (${signal ?? code ?? 'unknown'})`)
        for (const request of this.requests.values()) request.reject(this.exited)
        this.requests.clear()
        resolve()
      })
    })
  }

  private onReport (raw: unknown): void {
    const parsed = workerReportSchema.safeParse(raw)
    if (!parsed.success) {
      this.fail(new Error(`sim worker ${this.child.pid ?? '?'} sent an invalid message (${ipcProblem(parsed.error)})`))
      return
    }
    const report = parsed.data
    switch (report.type) {
      case 'userStarted': {
        const user = { name: report.name, peerId: report.peerId, invite: report.invite, reserved: report.reserved }
        this.started.push(user)
        this.listener.userStarted?.(user)
        return
      }
      case 'done': {
        const request = this.requests.get(report.req)
        this.requests.delete(report.req)
        request?.resolve(report)
        return
      }
      case 'error': {
        const error = new Error(`sim worker ${this.child.pid ?? '?'}: ${report.message}`)
        if (report.req == null) {
          this.fail(error)
          return
        }
        const request = this.requests.get(report.req)
        this.requests.delete(report.req)
        request?.reject(error)
        return
      }
      case 'sent': this.listener.sent(report.index, report.id); return
      case 'delivered': this.listener.delivered(report.index, report.latencyMs); return
      case 'failed': this.listener.failed(report.index, report.error); return
      case 'received': this.listener.received(report.id); return
      default: missingCase(report)
    }
  }

  /** A broken protocol fails every request in flight; the run then stops. */
  private fail (error: Error): void {
    for (const request of this.requests.values()) request.reject(error)
    this.requests.clear()
  }

  private async request (command: DistributiveOmit<Extract<WorkerCommand, { req: number }>, 'req'>): Promise<DoneReport> {
    if (this.exited != null) throw this.exited
    const req = this.nextReq++
    return await new Promise((resolve, reject) => {
      this.requests.set(req, { resolve, reject })
      this.post({ ...command, req }, (err) => {
        this.requests.delete(req)
        reject(err)
      })
    })
  }

  private post (command: WorkerCommand, onError: (err: Error) => void): void {
    if (this.exited != null) {
      onError(this.exited)
      return
    }
    this.child.send(command, (err) => { if (err != null) onError(err) })
  }

  async startUsers (names: string[], concurrency: number): Promise<SimUserInfo[]> {
    this.started.length = 0
    await this.request({ type: 'start', root: this.root, relayAddr: this.relayAddr, users: names, concurrency })
    return [...this.started]
  }

  async addContacts (user: string, contacts: Array<{ name: string, invite: string }>): Promise<void> {
    await this.request({ type: 'addContacts', user, contacts })
  }

  send (index: number, from: string, to: string, text: string): void {
    this.post({ type: 'send', index, from, to, text }, (err) => { this.listener.failed(index, errorMessage(err)) })
  }

  async settle (maxMs: number): Promise<SettleOutcome> {
    const { settle } = await this.request({ type: 'settle', maxMs })
    if (settle == null) throw new Error(`sim worker ${this.child.pid ?? '?'} did not say whether it settled`)
    return settle
  }

  async finish (): Promise<ProcessMemory | undefined> {
    const { memory } = await this.request({ type: 'finish' })
    if (memory == null) throw new Error(`sim worker ${this.child.pid ?? '?'} reported no memory figures`)
    return memory
  }

  async stop (): Promise<void> {
    if (this.exited == null) {
      const timer = setTimeout(() => { this.child.kill('SIGKILL') }, WORKER_STOP_TIMEOUT_MS)
      try {
        await this.request({ type: 'stop' }).catch(() => { this.child.kill('SIGKILL') })
        await this.exit
      } finally {
        clearTimeout(timer)
      }
    }
  }
}

type DoneReport = Extract<WorkerReport, { type: 'done' }>
type DistributiveOmit<T, K extends PropertyKey> = T extends unknown ? Omit<T, K> : never

export type SimPhase = 'starting' | 'introducing' | 'settling' | 'sending' | 'draining' | 'stopping'

export interface SimProgress {
  phase: SimPhase
  /** Users started, contacts added, messages sent or delivered, depending on the phase. */
  done: number
  total: number
  sent: number
  delivered: number
}

export interface SimulationOptions {
  nodes: number
  messages: number
  seed: number
  /** Messages per second. */
  rate: number
  /** 1: every engine in this process; more: that many worker processes. */
  workers: number
  /** How long after the last send a message may still be delivered. */
  timeoutMs: number
  contactsPerUser: number
  /** Where to make the run's temp dir (default: /dev/shm when roomy, else the system temp dir). */
  dir?: string
  startConcurrency?: number
  signal?: AbortSignal
  onProgress?: (progress: SimProgress) => void
  /** Something went wrong that does not change the figures (a slow stop). */
  onWarning?: (message: string) => void
  /** Called once, with the run over time, just before the result is returned. */
  onTrace?: (trace: SimTrace) => void
}

/** How often the driver reports progress and checks whether everything settled. */
const TICK_MS = 100
/** After the deadline, how long an acked message's `received` report may still take to arrive. */
const RECEIVE_GRACE_MS = 2_000
/** How long stopping the engines, then the relay, may take at the end of a run. */
const STOP_TIMEOUT_MS = 30_000

/**
 * One scripted run: a relay and `nodes` engines on 127.0.0.1 with real
 * databases in a temp dir; users meet by exchanging invites along the seeded
 * contact graph, then `messages` sends go out at `rate` per second over random
 * pairs. Everything is stopped and the temp dir removed before it returns or
 * throws (also when `signal` aborts).
 */
export async function runSimulation (options: SimulationOptions): Promise<SimResult> {
  const { nodes, messages, rate, signal } = options
  const plan = planScenario(options)
  const names = Array.from({ length: nodes }, (_, i) => `user${String(i).padStart(3, '0')}`)
  const records: MessageRecord[] = plan.sends.map(s => ({ from: s.from, to: s.to, received: 0 }))
  const receivedById = new Map<string, number>()
  const progress: SimProgress = { phase: 'starting', done: 0, total: nodes, sent: 0, delivered: 0 }
  const report = (): void => { options.onProgress?.({ ...progress }) }
  const enter = (phase: SimPhase, total: number): void => {
    Object.assign(progress, { phase, done: 0, total })
    report()
  }
  const listener: HostListener = {
    userStarted: () => { progress.done++ },
    sent: (index, id) => { records[index].id = id },
    delivered: (index, latencyMs) => {
      records[index].latencyMs ??= latencyMs
      progress.delivered++
    },
    failed: (index, error) => { records[index].error ??= error },
    received: (id) => { receivedById.set(id, (receivedById.get(id) ?? 0) + 1) }
  }
  const durations = { start: 0, settle: 0, introduce: 0, send: 0, drain: 0 }
  let settled = true
  let unreserved = 0
  const ticker = setInterval(report, TICK_MS)
  ticker.unref()

  report()
  const net = await SimNetwork.create(options.dir)
  const hosts: SimHost[] = []
  // The baseline is read here: after the relay started, just before any engine.
  const sampler = new MemorySampler()
  const workers = Math.min(options.workers, nodes)
  try {
    const hostOf = (user: number): SimHost => hosts[user % hosts.length]
    if (workers <= 1) {
      hosts.push(new EngineHost(net.root, net.relayAddr, listener))
    } else {
      for (let w = 0; w < workers; w++) hosts.push(new WorkerHost(net.root, net.relayAddr, listener))
    }

    let phaseStart = performance.now()
    const concurrency = Math.max(1, Math.ceil((options.startConcurrency ?? SIM_DEFAULTS.startConcurrency) / hosts.length))
    const started = await untilAborted(Promise.all(hosts.map(async (host, w) => await host.startUsers(names.filter((_, i) => i % hosts.length === w), concurrency))), signal)
    const users = new Map(started.flat().map(u => [u.name, u]))
    unreserved = started.flat().filter(u => !u.reserved).length
    const user = (i: number): SimUserInfo => {
      const info = users.get(names[i])
      if (info == null) throw new Error(`${names[i]} did not start`)
      return info
    }
    durations.start = performance.now() - phaseStart
    signal?.throwIfAborted()

    // Each pair exchanges invites: both sides add the other.
    enter('introducing', plan.pairs.length * 2)
    phaseStart = performance.now()
    const contactsOf = names.map((): Array<{ name: string, invite: string }> => [])
    for (const [a, b] of plan.pairs) {
      contactsOf[a].push({ name: names[b], invite: user(b).invite })
      contactsOf[b].push({ name: names[a], invite: user(a).invite })
    }
    await mapLimit(names.map((_, i) => i), SIM_DEFAULTS.startConcurrency, async (i) => {
      signal?.throwIfAborted()
      await hostOf(i).addContacts(names[i], contactsOf[i])
      progress.done += contactsOf[i].length
    })
    durations.introduce = performance.now() - phaseStart
    signal?.throwIfAborted()

    enter('settling', 0)
    phaseStart = performance.now()
    const quiet = await untilAborted(Promise.all([
      ...hosts.map(async h => await h.settle(SETTLE.maxMs, signal)),
      // With workers, this process still carries the relay.
      ...(hosts.some(h => h instanceof WorkerHost) ? [waitForQuiet(SETTLE.maxMs, signal)] : [])
    ]), signal)
    settled = quiet.every(q => q.quiet)
    durations.settle = performance.now() - phaseStart
    signal?.throwIfAborted()

    enter('sending', messages)
    phaseStart = performance.now()
    let next = 0
    while (next < records.length) {
      signal?.throwIfAborted()
      const now = performance.now() - phaseStart
      // Open loop: whatever is due goes now, however far behind we are.
      for (; next < records.length && sendDueMs(next, rate) <= now; next++) {
        const { from, to } = records[next]
        hostOf(from).send(next, names[from], user(to).peerId, `sim message ${next} from ${names[from]}`)
        progress.done = next + 1
        progress.sent = next + 1
      }
      if (next < records.length) await pause(sendDueMs(next, rate) - (performance.now() - phaseStart), signal)
    }
    durations.send = performance.now() - phaseStart

    enter('draining', messages)
    phaseStart = performance.now()
    const deadline = phaseStart + options.timeoutMs
    let unsettled = 0
    for (;;) {
      while (unsettled < records.length && isSettled(records[unsettled], receivedById)) unsettled++
      progress.done = progress.delivered
      if (unsettled === records.length || performance.now() >= deadline) break
      signal?.throwIfAborted()
      await pause(Math.min(TICK_MS, deadline - performance.now()), signal)
    }
    // A delivery acked just before the deadline may have its `received` report
    // still on its way (from another worker): wait briefly so a race is not
    // counted as a message the recipient never saw.
    const graceEnd = performance.now() + RECEIVE_GRACE_MS
    while (records.some(r => r.latencyMs != null && !isSettled(r, receivedById)) && performance.now() < graceEnd) {
      await pause(TICK_MS, signal)
    }
    durations.drain = performance.now() - phaseStart

    // Memory up to here: stopping allocates too, and is not what a running node costs.
    const main = sampler.stop('main', workers <= 1 ? nodes : 0)
    const fromHosts = await Promise.all(hosts.map(async h => await h.finish()))
    const processes = [main, ...fromHosts.filter((m): m is ProcessMemory => m != null)]
    const deliveries = countDeliveries(records, receivedById)
    options.onTrace?.({ messages: traceMessages(records, i => sendDueMs(i, rate)), rss: [...sampler.samples] })
    return {
      nodes,
      messages,
      seed: options.seed,
      rate,
      workers,
      contactsPerUser: options.contactsPerUser,
      storage: net.storage,
      pairs: plan.pairs.length,
      timeoutS: options.timeoutMs / 1000,
      deliveries,
      latencyMs: summarizeLatency(records.flatMap(r => r.latencyMs ?? [])),
      latencyByKind: latencyByKind(records),
      memory: combineMemory(processes, nodes),
      settled,
      unreserved,
      durationsMs: {
        start: Math.round(durations.start),
        settle: Math.round(durations.settle),
        introduce: Math.round(durations.introduce),
        send: Math.round(durations.send),
        drain: Math.round(durations.drain)
      },
      ok: deliveries.exactlyOnce === deliveries.total
    }
  } finally {
    enter('stopping', 0)
    clearInterval(ticker)
    sampler.stop('main', 0)
    // Bounded: under heavy load an engine's stop has been seen never to finish,
    // and a stuck stop must not keep the temp dir (or the command) around.
    const stopped = await within(Promise.allSettled(hosts.map(async h => { await h.stop() })), STOP_TIMEOUT_MS)
    if (!stopped) options.onWarning?.(`the engines did not stop within ${STOP_TIMEOUT_MS / 1000} s; leaving them`)
    if (!(await within(net.stop(), STOP_TIMEOUT_MS))) options.onWarning?.(`the relay did not stop within ${STOP_TIMEOUT_MS / 1000} s`)
    rmSync(net.root, { recursive: true, force: true })
  }
}

/** Whether `work` settled within `ms` (its outcome, if it comes later, is ignored). */
async function within (work: Promise<unknown>, ms: number): Promise<boolean> {
  let timer: ReturnType<typeof setTimeout> | undefined
  const timedOut = new Promise<false>(resolve => { timer = setTimeout(() => { resolve(false) }, ms) })
  try {
    return await Promise.race([work.then(() => true, () => true), timedOut])
  } finally {
    clearTimeout(timer)
  }
}

/**
 * `work`, or the abort reason as soon as `signal` aborts: a long start-up
 * need not finish before Ctrl-C takes effect (stopping the hosts ends it).
 */
async function untilAborted<T> (work: Promise<T>, signal?: AbortSignal): Promise<T> {
  if (signal == null) return await work
  signal.throwIfAborted()
  // Whatever `work` does after an abort is of no interest, but must not go unhandled.
  work.catch(() => {})
  let onAbort = (): void => {}
  const aborted = new Promise<never>((_resolve, reject) => {
    onAbort = () => { reject(toError(signal.reason)) }
    signal.addEventListener('abort', onAbort, { once: true })
  })
  try {
    return await Promise.race([work, aborted])
  } finally {
    signal.removeEventListener('abort', onAbort)
  }
}

/** Runs `fn` over `items`, at most `limit` at once; after a failure no new item starts, and it throws once all running ones end. */
export async function mapLimit<T, R> (items: readonly T[], limit: number, fn: (item: T) => Promise<R>): Promise<R[]> {
  const results: R[] = new Array<R>(items.length)
  let next = 0
  let failure: { error: unknown } | undefined
  const worker = async (): Promise<void> => {
    while (failure == null && next < items.length) {
      const i = next++
      try {
        results[i] = await fn(items[i])
      } catch (error) {
        failure ??= { error }
      }
    }
  }
  await Promise.all(Array.from({ length: Math.min(limit, items.length) }, worker))
  if (failure != null) throw failure.error
  return results
}

/**
 * A `parley sim --workers N` child: runs its share of the engines and answers
 * the parent's commands (sim-ipc.ts). Forked by {@link WorkerHost}; it has no
 * use on its own. Memory is sampled here, per worker, from just before its
 * engines start.
 */
import '../node-version.js'
import { errorMessage } from '../errors.js'
import { missingCase } from '../unreachable.js'
import { EngineHost } from './harness.js'
import { MemorySampler, waitForQuiet } from './scenario.js'
import { ipcProblem, workerCommandSchema } from './sim-ipc.js'
import type { HostListener } from './harness.js'
import type { WorkerCommand, WorkerReport } from './sim-ipc.js'

if (process.send == null) {
  process.stderr.write('sim-worker runs only as a child of "parley sim --workers N"\n')
  process.exit(2)
}

/** Sends one report; `then` runs once it has been handed to the channel. */
function report (message: WorkerReport, then?: () => void): void {
  // The channel closes when the parent goes; reports after that have nobody to read them.
  if (process.connected) process.send?.(message, undefined, {}, () => then?.())
  else then?.()
}

const listener: HostListener = {
  userStarted: (user) => { report({ type: 'userStarted', ...user }) },
  sent: (index, id) => { report({ type: 'sent', index, id }) },
  delivered: (index, latencyMs) => { report({ type: 'delivered', index, latencyMs }) },
  failed: (index, error) => { report({ type: 'failed', index, error }) },
  received: (id) => { report({ type: 'received', id }) }
}

let host: EngineHost | undefined
let sampler: MemorySampler | undefined
let stopping: Promise<void> | undefined

function running (): EngineHost {
  if (host == null) throw new Error('no engines yet: "start" comes first')
  return host
}

async function handle (command: WorkerCommand): Promise<void> {
  switch (command.type) {
    case 'start': {
      if (host != null) throw new Error('already started')
      sampler = new MemorySampler()
      host = new EngineHost(command.root, command.relayAddr, listener)
      await host.startUsers(command.users, command.concurrency)
      report({ type: 'done', req: command.req })
      return
    }
    case 'addContacts':
      await running().addContacts(command.user, command.contacts)
      report({ type: 'done', req: command.req })
      return
    case 'send':
      running().send(command.index, command.from, command.to, command.text)
      return
    case 'settle':
      report({ type: 'done', req: command.req, settle: await waitForQuiet(command.maxMs) })
      return
    case 'finish': {
      if (sampler == null) throw new Error('no engines yet: "start" comes first')
      report({ type: 'done', req: command.req, memory: sampler.stop('worker', running().size) })
      return
    }
    case 'stop':
      await shutdown()
      // Exit only once the answer is on its way; an explicit exit, as a library timer may linger.
      report({ type: 'done', req: command.req }, () => process.exit(0))
      return
    default:
      missingCase(command)
  }
}

async function shutdown (): Promise<void> {
  stopping ??= (async () => { await host?.stop() })()
  await stopping
}

process.on('message', (raw: unknown) => {
  const parsed = workerCommandSchema.safeParse(raw)
  if (!parsed.success) {
    report({ type: 'error', message: `invalid command (${ipcProblem(parsed.error)})` })
    return
  }
  const command = parsed.data
  handle(command).catch((err: unknown) => {
    report({ type: 'error', req: 'req' in command ? command.req : undefined, message: errorMessage(err) })
  })
})

// Ctrl-C reaches the whole process group; the parent decides when and how to stop.
process.on('SIGINT', () => {})
// The parent is gone (or said stop): stop the engines, then leave.
process.on('disconnect', () => {
  shutdown().then(() => process.exit(0), (err: unknown) => {
    process.stderr.write(`sim worker: stop failed: ${errorMessage(err)}\n`)
    process.exit(1)
  })
})

import { safeStorage, utilityProcess } from 'electron'
import { parseEngineToMain } from './control-protocol.js'
import { answerKeystoreRequest } from './keystore-service.js'
import type { MessagePortMain, UtilityProcess } from 'electron'
import type { KeySource, MainToEngine } from './control-protocol.js'

/** How long a clean stop may take before the process is killed. */
const STOP_TIMEOUT_MS = 5000

export interface EngineHandlers {
  /** The unread total changed, or a notification is due. */
  onUnread: (unread: number, notify?: { title: string, body?: string }) => void
  /** The engine exited after it had started, without being asked to. */
  onCrash: (code: number) => void
}

/** The engine refused to start; `code` is stable (wrong_passphrase, keystore_changed, data_dir_locked…). */
export class EngineStartError extends Error {
  constructor (readonly code: string, message: string) {
    super(message)
    this.name = 'EngineStartError'
  }
}

/**
 * The engine's utility process, seen from main. Main answers its keystore
 * requests and relays unread counts; it hands over ports for the renderer
 * but never reads what flows through them.
 */
export class EngineProcess {
  private stopping = false
  private readonly exited: Promise<number>

  private constructor (private readonly child: UtilityProcess, handlers: EngineHandlers, started: Promise<unknown>) {
    this.exited = new Promise(resolve => { child.once('exit', resolve) })
    void started.then(async () => {
      const code = await this.exited
      if (!this.stopping) handlers.onCrash(code)
    }, () => { /* a failed start is start()'s to report */ })
  }

  /** Spawns the engine and opens the data dir; resolves once it serves (or waits in onboarding). */
  static async start (entry: string, options: { dataDir: string, key: KeySource }, handlers: EngineHandlers): Promise<EngineProcess> {
    const child = utilityProcess.fork(entry, [], { serviceName: 'Parley engine', stdio: 'inherit' })
    const post = (message: MainToEngine, ports?: MessagePortMain[]): void => { child.postMessage(message, ports) }
    let settle: { resolve: () => void, reject: (err: Error) => void } | undefined
    const started = new Promise<void>((resolve, reject) => { settle = { resolve, reject } })
    child.on('message', (data: unknown) => {
      const message = parseEngineToMain(data)
      if (message == null) return
      switch (message.type) {
        case 'keystore-encrypt':
        case 'keystore-decrypt':
          void answerKeystoreRequest(message, safeStorage, process.platform)
            .then(result => { post({ type: 'keystore-result', id: message.id, result }) })
          break
        case 'ready':
          settle?.resolve()
          break
        case 'failed':
          settle?.reject(new EngineStartError(message.code, message.message))
          child.kill()
          break
        case 'unread':
          handlers.onUnread(message.unread, message.notify)
          break
      }
    })
    child.once('exit', code => { settle?.reject(new EngineStartError('internal', `the engine exited (code ${code}) before it started`)) })
    const engine = new EngineProcess(child, handlers, started)
    post({ type: 'start', dataDir: options.dataDir, key: options.key })
    try {
      await started
    } catch (err) {
      await engine.exited
      throw err
    }
    return engine
  }

  /** Hands one end of a MessageChannelMain to the engine, which serves the API on it. */
  connect (port: MessagePortMain): void {
    const message: MainToEngine = { type: 'connect' }
    this.child.postMessage(message, [port])
  }

  /** Asks the engine to close its database and node; kills it if that takes too long. */
  async stop (): Promise<void> {
    if (this.stopping) return
    this.stopping = true
    const message: MainToEngine = { type: 'stop' }
    this.child.postMessage(message)
    const timer = setTimeout(() => { this.child.kill() }, STOP_TIMEOUT_MS)
    await this.exited
    clearTimeout(timer)
  }
}

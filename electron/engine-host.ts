/**
 * Entry of the engine's utility process (spawned by engine-process.ts). It
 * runs the same `ParleyHost` as the daemon, with the 'desktop' network
 * preset, and serves the API on each MessagePort main hands over. Control
 * messages (start, keystore, unread) use the parentPort; chat traffic only
 * the handed-over ports.
 *
 * No core/node-version.ts import: Electron bundles its own, newer Node.
 */
import { portFromMessagePort } from '../core/api/ports.js'
import { ParleyHost } from '../core/host/api-host.js'
import { PassphraseKeyWrapper } from '../core/host/key-wrapper.js'
import { parseMainToEngine } from './control-protocol.js'
import { KeystoreClient } from './keystore-client.js'
import { SafeStorageKeyWrapper } from './safe-storage-key-wrapper.js'
import { startUnreadReporter } from './unread-reporter.js'
import type { MessagePortMain } from 'electron'
import type { Engine, EngineEvents } from '../core/host/engine.js'
import type { EngineToMain, KeySource } from './control-protocol.js'
import type { UnreadSource } from './unread-reporter.js'

const parentPort = process.parentPort
const post = (message: EngineToMain): void => { parentPort.postMessage(message) }
const keystore = new KeystoreClient(post)
/** Ports that arrive while the data dir is still opening. */
const waiting: MessagePortMain[] = []
let host: ParleyHost | undefined
let started = false
let failed = false
let stopReporter: (() => void) | undefined

parentPort.on('message', event => {
  const message = parseMainToEngine(event.data)
  if (message == null) return
  switch (message.type) {
    case 'start':
      void start(message.dataDir, message.key)
      break
    case 'connect': {
      const port = event.ports[0]
      if (port == null) return
      if (host != null) serve(host, port)
      else if (failed) port.close()
      else waiting.push(port)
      break
    }
    case 'keystore-result':
      keystore.settle(message.id, message.result)
      break
    case 'stop':
      void stop()
      break
  }
})

async function start (dataDir: string, key: KeySource): Promise<void> {
  if (started) return
  started = true
  const wrapper = key.mode === 'passphrase' ? new PassphraseKeyWrapper(key.passphrase) : new SafeStorageKeyWrapper(keystore)
  let opened: ParleyHost
  try {
    opened = await ParleyHost.open({ dataDir, wrapper, preset: 'desktop' })
  } catch (err) {
    failed = true
    for (const port of waiting.splice(0)) port.close()
    // Main reads the code (wrong_passphrase, keystore_changed…) and ends this process.
    post({ type: 'failed', code: text(field(err, 'code'), 'internal').slice(0, 64), message: text(field(err, 'message'), String(err)).slice(0, 1000) })
    return
  }
  host = opened
  opened.onReady(() => { stopReporter = startUnreadReporter(unreadSource(opened.requireEngine()), post) })
  for (const port of waiting.splice(0)) serve(opened, port)
  post({ type: 'ready', state: opened.state })
}

function serve (running: ParleyHost, port: MessagePortMain): void {
  running.rpc.connect(portFromMessagePort(port))
}

async function stop (): Promise<void> {
  stopReporter?.()
  try {
    await host?.stop()
  } finally {
    process.exit(0)
  }
}

function unreadSource (engine: Engine): UnreadSource {
  return {
    onMessage: listener => {
      const onEvent = (event: EngineEvents['message']): void => { listener(event.detail) }
      engine.addEventListener('message', onEvent)
      return () => { engine.removeEventListener('message', onEvent) }
    },
    unreadTotal: () => engine.messages.conversationSummaries().reduce((total, summary) => total + summary.unread, 0),
    notificationSettings: () => engine.getSettings().notifications,
    contactName: peerId => {
      const contact = engine.contacts.get(peerId)
      return contact?.state === 'accepted' ? contact.name : undefined
    }
  }
}

function field (err: unknown, name: 'code' | 'message'): unknown {
  return typeof err === 'object' && err != null ? (err as Record<string, unknown>)[name] : undefined
}

function text (value: unknown, fallback: string): string {
  return typeof value === 'string' && value !== '' ? value : fallback
}

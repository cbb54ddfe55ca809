import { EventEmitter } from 'node:events'
import { readFileSync } from 'node:fs'
import { join } from 'node:path'
import { MessageChannel } from 'node:worker_threads'
import { afterAll, afterEach, describe, expect, it, vi } from 'vitest'
import { parleyContract } from '../../../core/api/contract.js'
import { portFromMessagePort } from '../../../core/api/ports.js'
import { RpcClient } from '../../../core/api/rpc-client.js'
import { parseEngineToMain } from '../../../electron/control-protocol.js'
import { answerKeystoreRequest } from '../../../electron/keystore-service.js'
import { tempDir } from '../../helpers/temp.js'
import { FakeSafeStorage } from './fake-safe-storage.js'
import type * as ApiHost from '../../../core/host/api-host.js'
import type { EngineToMain, MainToEngine } from '../../../electron/control-protocol.js'

/*
 * The utility process's entry (electron/engine-host.ts) with its real
 * ParleyHost, driven the way main drives it: control messages on a stand-in
 * for `process.parentPort`, the API on a MessagePort. Only the network
 * differs: the 'desktop' preset it asks for is swapped for loopback.
 */
const requested = vi.hoisted(() => ({ presets: [] as string[] }))
vi.mock('../../../core/host/api-host.js', async importOriginal => {
  const real = await importOriginal<typeof ApiHost>()
  return {
    ...real,
    ParleyHost: {
      open: async (options: ApiHost.HostOptions) => {
        requested.presets.push(options.preset ?? '')
        return await real.ParleyHost.open({ ...options, preset: 'sim', listen: ['/ip4/127.0.0.1/tcp/0'] })
      }
    }
  }
})

/** Main's side of the parentPort: answers keystore requests as main.ts does. */
class FakeMain extends EventEmitter {
  readonly received: EngineToMain[] = []

  constructor (private readonly storage: FakeSafeStorage) { super() }

  /** Called by the engine (it is `process.parentPort.postMessage`). */
  postMessage (data: unknown): void {
    const message = parseEngineToMain(JSON.parse(JSON.stringify(data)))
    if (message == null) throw new Error(`the engine sent an invalid control message: ${JSON.stringify(data)}`)
    this.received.push(message)
    if (message.type === 'keystore-encrypt' || message.type === 'keystore-decrypt') {
      void answerKeystoreRequest(message, this.storage, 'linux').then(result => { this.send({ type: 'keystore-result', id: message.id, result }) })
    }
  }

  send (message: MainToEngine, ports: unknown[] = []): void {
    this.emit('message', { data: message, ports })
  }

  async next<T extends EngineToMain['type']> (type: T, after = 0): Promise<Extract<EngineToMain, { type: T }>> {
    await vi.waitFor(() => { expect(this.received.slice(after).some(m => m.type === type)).toBe(true) }, { timeout: 30_000, interval: 20 })
    return this.received.slice(after).find(m => m.type === type) as Extract<EngineToMain, { type: T }>
  }
}

const exit = vi.spyOn(process, 'exit').mockImplementation((() => undefined) as never)
const dataDir = tempDir('parley-engine-host')
const clients: Array<RpcClient<typeof parleyContract>> = []

/** Loads a fresh copy of the entry module, as a new utility process would. */
async function launch (storage: FakeSafeStorage): Promise<FakeMain> {
  const main = new FakeMain(storage)
  Object.defineProperty(process, 'parentPort', { value: main, configurable: true })
  vi.resetModules()
  await import('../../../electron/engine-host.js')
  return main
}

function connect (main: FakeMain): RpcClient<typeof parleyContract> {
  const { port1, port2 } = new MessageChannel()
  main.send({ type: 'connect' }, [port1])
  const client = new RpcClient(parleyContract, portFromMessagePort(port2))
  clients.push(client)
  return client
}

async function stop (main: FakeMain): Promise<void> {
  exit.mockClear()
  main.send({ type: 'stop' })
  await vi.waitFor(() => { expect(exit).toHaveBeenCalledWith(0) }, { timeout: 30_000 })
}

afterEach(() => { for (const client of clients.splice(0)) client.close() })
afterAll(() => {
  exit.mockRestore()
  Reflect.deleteProperty(process, 'parentPort')
  dataDir.remove()
})

describe('engine utility process', () => {
  const storage = new FakeSafeStorage('gnome_libsecret')

  it('opens the data dir with the desktop preset and serves ports handed over before and after it is ready', async () => {
    const main = await launch(storage)
    main.send({ type: 'start', dataDir: dataDir.path, key: { mode: 'safe-storage' } })
    const early = connect(main)
    expect(await main.next('ready')).toEqual({ type: 'ready', state: 'onboarding' })
    expect(requested.presets).toEqual(['desktop'])
    expect(await early.call('appState')).toEqual({ state: 'onboarding' })

    // Onboarding wraps the new key: the engine asks main's keystore, which records its backend.
    const { peerId } = await early.call('createIdentity', { displayName: 'Alice' })
    expect(main.received.map(m => m.type)).toContain('keystore-encrypt')
    const keyFile = JSON.parse(readFileSync(join(dataDir.path, 'key.json'), 'utf8')) as unknown
    expect(keyFile).toMatchObject({ kind: 'electron-safe-storage', params: { backend: 'gnome_libsecret' } })
    expect(await main.next('unread')).toEqual({ type: 'unread', unread: 0 })

    const late = connect(main)
    expect(await late.call('whoami')).toMatchObject({ peerId, displayName: 'Alice' })
    await stop(main)
  })

  it('reopens with the keystore, and refuses when the backend changed', async () => {
    const main = await launch(storage)
    main.send({ type: 'start', dataDir: dataDir.path, key: { mode: 'safe-storage' } })
    expect(await main.next('ready')).toEqual({ type: 'ready', state: 'ready' })
    expect(main.received.map(m => m.type)).toContain('keystore-decrypt')
    await stop(main)

    storage.backend = 'kwallet5'
    const changed = await launch(storage)
    changed.send({ type: 'start', dataDir: dataDir.path, key: { mode: 'safe-storage' } })
    expect(await changed.next('failed')).toMatchObject({ code: 'keystore_changed', message: expect.stringContaining('gnome_libsecret') as unknown })
    storage.backend = 'gnome_libsecret'
  })

  it('reports a wrong passphrase by its code', async () => {
    const main = await launch(storage)
    main.send({ type: 'start', dataDir: dataDir.path, key: { mode: 'passphrase', passphrase: 'not the keystore' } })
    expect(await main.next('failed')).toMatchObject({ code: 'wrong_passphrase' })
  })
})

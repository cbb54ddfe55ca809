import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { generateKeyPair } from '@libp2p/crypto/keys'
import { Engine } from '../host/engine.js'
import { createParleyNode } from '../net/presets.js'
import { PassphraseKeyWrapper } from '../store/key-wrapper.js'
import type { ParleyNode } from '../net/presets.js'
import type { ScryptCost } from '../store/key-wrapper.js'

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
}

/**
 * A relay and any number of engines on 127.0.0.1, each with a real encrypted
 * database in a temp dir. Integration tests and benchmarks build their
 * networks with it.
 */
export class SimNetwork {
  readonly root: string
  readonly relay: ParleyNode
  readonly relayAddr: string
  private readonly users = new Map<string, SimUser>()
  private readonly options = new Map<string, AddUserOptions>()

  private constructor (root: string, relay: ParleyNode) {
    this.root = root
    this.relay = relay
    const tcp = relay.getMultiaddrs().find(a => a.toString().includes('/tcp/') && !a.toString().includes('/ws'))
    if (tcp == null) throw new Error('the relay has no TCP address')
    this.relayAddr = tcp.toString()
  }

  static async create (): Promise<SimNetwork> {
    const root = mkdtempSync(join(tmpdir(), 'parley-sim-'))
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
    const options = this.options.get(name) ?? {}
    const dataDir = join(this.root, name)
    const listen = options.relayOnly === true ? [`${this.relayAddr}/p2p-circuit`] : ['/ip4/127.0.0.1/tcp/0', '/p2p-circuit']
    const engine = await Engine.start({
      dataDir,
      wrapper: this.wrapper(),
      preset: 'sim',
      listen,
      bootstrap: [this.relayAddr],
      inviteRelays: options.noInviteRelays === true ? [] : undefined
    })
    const user = { name, dataDir, engine, listen }
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

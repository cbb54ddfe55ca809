import { mkdirSync } from 'node:fs'
import { logger } from '@libp2p/logger'
import { parleyContract } from '../api/contract.js'
import { RpcServer } from '../api/rpc-server.js'
import { InvalidParamsError, ParleyError, errorMessage } from '../errors.js'
import { DataDirLock } from '../store/dir-lock.js'
import { Engine } from './engine.js'
import type { Contact as ApiContact, ConversationSummary, Message, ParleyContract } from '../api/contract.js'
import type { Handlers } from '../api/rpc-types.js'
import type { Contact } from '../store/contacts-repo.js'
import type { StoredMessage } from '../store/messages-repo.js'
import type { EngineEvents, EngineOptions } from './engine.js'

export type HostOptions = Omit<EngineOptions, 'lock'>

export type HostState = 'onboarding' | 'ready'

/**
 * The engine behind the API contract. It starts in `onboarding` when the data
 * dir has no identity yet (the UI's first screen creates one) and in `ready`
 * otherwise. Electron's utility process serves `rpc` over a MessagePort, the
 * daemon over a WebSocket; both get exactly these handlers.
 */
export class ParleyHost {
  readonly rpc: RpcServer<ParleyContract>
  private engine: Engine | undefined
  /** Held while onboarding; handed to the engine once it starts. */
  private onboardingLock: DataDirLock | undefined
  private creating: Promise<Engine> | undefined
  private readonly unsubscribe: Array<() => void> = []
  private readonly log = logger('parley:host')
  private readonly readyListeners: Array<(peerId: string) => void> = []

  private constructor (private readonly options: HostOptions) {
    this.rpc = new RpcServer(parleyContract, this.handlers())
  }

  /** Opens the data dir: starts the engine, or waits in onboarding when there is no identity yet. */
  static async open (options: HostOptions): Promise<ParleyHost> {
    mkdirSync(options.dataDir, { recursive: true, mode: 0o700 })
    const host = new ParleyHost(options)
    const lock = DataDirLock.acquire(options.dataDir)
    try {
      host.attach(await Engine.start({ ...options, lock }))
    } catch (err) {
      if (codeOf(err) !== 'not_initialised') {
        lock.release()
        throw err
      }
      host.onboardingLock = lock
    }
    return host
  }

  get state (): HostState {
    return this.engine == null ? 'onboarding' : 'ready'
  }

  get peerId (): string | undefined {
    return this.engine?.peerId
  }

  /** The running engine; throws `not_initialised` during onboarding. */
  requireEngine (): Engine {
    if (this.engine == null) throw new ParleyError('not_initialised', 'no identity yet: create one first (createIdentity)')
    return this.engine
  }

  /** Called once the engine runs: at once when it already does, else when onboarding ends. */
  onReady (listener: (peerId: string) => void): void {
    if (this.engine != null) listener(this.engine.peerId)
    else this.readyListeners.push(listener)
  }

  async stop (): Promise<void> {
    for (const off of this.unsubscribe.splice(0)) off()
    this.rpc.close()
    await this.creating?.catch(() => undefined)
    await this.engine?.stop()
    this.onboardingLock?.release()
  }

  private async createIdentity (displayName: string): Promise<Engine> {
    if (this.engine != null) throw new ParleyError('already_initialised', 'this device already has an identity')
    const lock = this.onboardingLock
    if (lock == null) throw new ParleyError('internal', 'onboarding without a lock on the data dir')
    this.creating ??= (async () => {
      // A retry after a failed start finds the identity already made: start it.
      await Engine.init(this.options.dataDir, this.options.wrapper, displayName, lock)
        .catch((err: unknown) => { if (codeOf(err) !== 'already_initialised') throw err })
      return await Engine.start({ ...this.options, lock })
    })()
    try {
      const engine = await this.creating
      if (this.engine == null) {
        this.onboardingLock = undefined
        this.attach(engine)
        this.rpc.emit('appState', { state: 'ready', peerId: engine.peerId })
        for (const listener of this.readyListeners.splice(0)) listener(engine.peerId)
      }
      return engine
    } catch (err) {
      this.creating = undefined
      throw err
    }
  }

  private attach (engine: Engine): void {
    this.engine = engine
    this.forward(engine, 'message', message => { this.rpc.emit('message', messageToApi(message)) })
    this.forward(engine, 'messageStatus', change => { this.rpc.emit('messageStatus', change) })
    this.forward(engine, 'contact', contact => { this.rpc.emit('contact', contactToApi(contact)) })
    this.forward(engine, 'contactRemoved', removed => { this.rpc.emit('contactRemoved', removed) })
    this.forward(engine, 'network', status => { this.rpc.emit('network', status) })
  }

  private forward<E extends keyof EngineEvents> (engine: Engine, event: E, send: (detail: EngineEvents[E]['detail']) => void): void {
    const listener = (evt: EngineEvents[E]): void => {
      try {
        send(evt.detail)
      } catch (err) {
        // A bad event must not break the engine that raised it.
        this.log.error('could not forward %s: %s', event, errorMessage(err))
      }
    }
    engine.addEventListener(event, listener)
    this.unsubscribe.push(() => { engine.removeEventListener(event, listener) })
  }

  private handlers (): Handlers<ParleyContract> {
    const engine = (): Engine => this.requireEngine()
    return {
      appState: () => ({ state: this.state, peerId: this.peerId }),
      createIdentity: async ({ displayName }) => ({ peerId: (await this.createIdentity(displayName)).peerId }),
      whoami: () => engine().profile,
      invite: async () => ({ code: await engine().invite() }),

      addContact: async ({ invite, name }) => contactToApi(await engine().addContact(invite, name)),
      listContacts: () => ({ contacts: engine().contacts.list().map(contactToApi) }),
      renameContact: async ({ peerId, name }) => contactToApi(await engine().renameContact(peerId, name)),
      removeContact: async ({ peerId }) => {
        await engine().removeContact(peerId)
        return { removed: true as const }
      },
      safetyNumber: ({ peerId }) => {
        const { digits, scannable, verified, pending } = engine().safetyNumber(peerId)
        return {
          digits,
          scannable: base64(scannable),
          verified,
          pending: pending == null ? undefined : { digits: pending.digits, scannable: base64(pending.scannable), identityKey: base64(pending.identityKey) }
        }
      },
      markVerified: async ({ peerId, verified }) => contactToApi(await engine().markVerified(peerId, verified)),
      acceptIdentityChange: async ({ peerId, identityKey }) => contactToApi(await engine().acceptIdentityChange(peerId, Buffer.from(identityKey, 'base64'))),

      listConversations: () => ({ conversations: conversations(engine()) }),
      messages: ({ peerId, limit, before }) => {
        const page = engine().history(peerId, limit, before == null ? undefined : parseCursor(before))
        const last = page.at(-1)
        return {
          messages: page.map(messageToApi),
          nextCursor: page.length === limit && last != null ? cursorOf(last) : undefined
        }
      },
      send: async ({ peerId, text }) => messageToApi(await engine().send(peerId, text)),
      markRead: async ({ peerId }) => ({ marked: await engine().markRead(peerId) }),
      search: ({ query, limit }) => ({
        results: engine().messages.search(query, limit).map(hit => ({ message: messageToApi(hit), snippet: hit.snippet }))
      }),

      status: () => engine().networkStatus(),
      getSettings: () => engine().getSettings(),
      setSettings: async (patch) => await engine().setSettings(patch)
    }
  }
}

function base64 (value: Uint8Array): string {
  return Buffer.from(value).toString('base64')
}

function codeOf (err: unknown): unknown {
  return typeof err === 'object' && err != null ? (err as { code?: unknown }).code : undefined
}

export function contactToApi (contact: Contact): ApiContact {
  return {
    peerId: contact.peerId,
    name: contact.name,
    verified: contact.verified,
    identityChanged: contact.identityChanged,
    pendingIdentityKey: contact.pendingIdentityKey == null ? undefined : base64(contact.pendingIdentityKey),
    state: contact.state,
    relays: contact.relays,
    createdAt: contact.createdAt
  }
}

export function messageToApi (message: StoredMessage): Message {
  return {
    id: message.id,
    conversationId: message.conversationId,
    peerId: message.peerId,
    sender: message.sender,
    outgoing: message.outgoing,
    seq: message.seq,
    text: message.text,
    sentAt: message.sentAt,
    receivedAt: message.receivedAt,
    status: message.status,
    error: message.error,
    unread: message.unread
  }
}

function conversations (engine: Engine): ConversationSummary[] {
  const contacts = new Map(engine.contacts.list().map(c => [c.peerId, c]))
  const summaries: ConversationSummary[] = []
  for (const summary of engine.messages.conversationSummaries()) {
    const contact = contacts.get(summary.peerId)
    if (contact == null) continue
    summaries.push({
      peerId: contact.peerId,
      name: contact.name,
      state: contact.state,
      verified: contact.verified,
      identityChanged: contact.identityChanged,
      lastMessage: summary.lastMessage == null ? undefined : messageToApi(summary.lastMessage),
      unread: summary.unread,
      lastActivity: summary.lastActivity
    })
  }
  return summaries
}

/** Cursors are opaque to clients: `<sentAt>.<id>` of the oldest message on the page. */
function cursorOf (message: StoredMessage): string {
  return `${message.sentAt}.${message.id}`
}

function parseCursor (cursor: string): { sentAt: number, id: string } {
  const match = /^(\d{1,16})\.([0-9a-f]{32})$/.exec(cursor)
  if (match?.[1] == null || match[2] == null) throw new InvalidParamsError('before: not a cursor returned by messages')
  return { sentAt: Number(match[1]), id: match[2] }
}

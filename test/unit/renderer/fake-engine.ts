/**
 * A stand-in engine for component tests: the real `RpcServer` and
 * `RpcClient` from core/api (so every call and event goes through JSON and
 * the contract's schemas, as in the app), with handlers over plain in-memory
 * state. The real engine (libp2p, SQLCipher, libsignal) cannot run inside jsdom,
 * and what these tests check is the UI's side of the contract.
 *
 * The two ends are joined by {@link memoryPortPair} rather than a
 * worker_threads MessageChannel: Node's ports deliver on its own event loop
 * phase and keep the process alive until closed, while a same-thread pair is
 * deterministic and needs no teardown beyond `close()`.
 */
import { parleyContract } from '../../../core/api/contract.js'
import { RpcClient } from '../../../core/api/rpc-client.js'
import { RpcServer } from '../../../core/api/rpc-server.js'
import type { Contact, Message, MessageStatus, NetworkStatus, ParleyContract, ParleyMethod, Settings } from '../../../core/api/contract.js'
import type { RpcPort } from '../../../core/api/ports.js'
import type { Handlers } from '../../../core/api/rpc-types.js'

/** Two connected ports in one thread; messages arrive asynchronously, as over a real port. */
export function memoryPortPair (): [RpcPort, RpcPort] {
  interface End { listeners: Array<(text: string) => void>, closeListeners: Array<() => void>, closed: boolean }
  const ends: [End, End] = [
    { listeners: [], closeListeners: [], closed: false },
    { listeners: [], closeListeners: [], closed: false }
  ]
  const shut = (end: End): void => {
    if (end.closed) return
    end.closed = true
    for (const listener of end.closeListeners.splice(0)) listener()
  }
  const port = (self: End, other: End): RpcPort => ({
    send: text => {
      if (self.closed) throw Object.assign(new Error('the port is closed'), { code: 'disconnected' })
      queueMicrotask(() => {
        if (!other.closed) for (const listener of other.listeners) listener(text)
      })
    },
    onMessage: listener => { self.listeners.push(listener) },
    onClose: listener => {
      if (self.closed) listener()
      else self.closeListeners.push(listener)
    },
    close: () => { shut(self); shut(other) }
  })
  return [port(ends[0], ends[1]), port(ends[1], ends[0])]
}

/** PeerIds that pass the contract's base58 check. */
export const OWN_PEER_ID = `12D3KooW${'Mee'.repeat(14)}`
export const ALICE = `12D3KooW${'Ama'.repeat(14)}`
export const BOB = `12D3KooW${'Bob'.repeat(14)}`
export const INVITE_CODE = `parley:${'InviteCodeBytes'.repeat(8)}`
export const SAFETY_DIGITS = '123451234512345123451234512345678906789067890678906789067890'
/** The number with a contact's new identity key, while the change is pending. */
export const PENDING_SAFETY_DIGITS = '555550000055555000005555500000111112222211111222221111122222'
/** Identity keys as the contract carries them: 33 bytes as base64. */
export const NEW_IDENTITY_KEY = `BQ${'N'.repeat(42)}`
export const NEWER_IDENTITY_KEY = `BQ${'M'.repeat(42)}`

let nextMessageNumber = 1
export function messageId (): string {
  return (nextMessageNumber++).toString(16).padStart(32, '0')
}

export function contact (peerId: string, name: string, fields: Partial<Contact> = {}): Contact {
  return { peerId, name, verified: false, identityChanged: false, state: 'accepted', relays: [], createdAt: Date.now(), ...fields }
}

/** A stored message in a conversation with `peerId`; outgoing unless said otherwise. */
export function message (peerId: string, text: string, fields: Partial<Message> = {}): Message {
  const outgoing = fields.outgoing ?? true
  return {
    id: messageId(),
    conversationId: `dm:${peerId}`,
    peerId,
    sender: outgoing ? OWN_PEER_ID : peerId,
    outgoing,
    seq: 0,
    text,
    sentAt: Date.now(),
    status: outgoing ? 'queued' : 'received',
    unread: false,
    ...fields
  }
}

export interface FakeEngineState {
  identity: { peerId: string, displayName: string } | null
  contacts: Map<string, Contact>
  /** All messages, oldest first. */
  messages: Message[]
  settings: Settings
  status: NetworkStatus
}

export interface FakeEngine {
  state: FakeEngineState
  server: RpcServer<ParleyContract>
  client: RpcClient<ParleyContract>
  /** Every call the UI made, in order, with its validated params. */
  calls: Array<{ method: ParleyMethod, params: unknown }>
  callsOf: (method: ParleyMethod) => unknown[]
  /** The next call of `method` fails with this engine error code. */
  failNext: (method: ParleyMethod, code: string, message: string) => void
  close: () => void
}

export function fakeEngine (initial: Partial<FakeEngineState> = {}): FakeEngine {
  const state: FakeEngineState = {
    identity: { peerId: OWN_PEER_ID, displayName: 'Me' },
    contacts: new Map(),
    messages: [],
    settings: {
      displayName: 'Me',
      bootstrap: [],
      relays: [],
      notifications: { enabled: false, showContent: true },
      theme: 'system',
      mdns: false
    },
    status: { peerId: OWN_PEER_ID, listenAddresses: ['/ip4/127.0.0.1/tcp/4001'], connections: [], relayReservations: [], nat: 'private', dhtRoutingTableSize: 0 },
    ...initial
  }
  const calls: FakeEngine['calls'] = []
  const failures = new Map<ParleyMethod, { code: string, message: string }>()

  const fail = (code: string, text: string): Error => Object.assign(new Error(text), { code })
  const need = (peerId: string): Contact => {
    const found = state.contacts.get(peerId)
    if (found == null) throw fail('not_found', `contact ${peerId} not found`)
    return found
  }
  const update = (peerId: string, fields: Partial<Contact>): Contact => {
    const changed = { ...need(peerId), ...fields }
    state.contacts.set(peerId, changed)
    server.emit('contact', changed)
    return changed
  }
  const history = (peerId: string): Message[] => state.messages.filter(m => m.peerId === peerId)

  const handlers: Handlers<ParleyContract> = {
    appState: () => state.identity == null ? { state: 'onboarding' } : { state: 'ready', peerId: state.identity.peerId },
    createIdentity: ({ displayName }) => {
      if (state.identity != null) throw fail('already_initialised', 'an identity exists')
      state.identity = { peerId: OWN_PEER_ID, displayName }
      state.settings = { ...state.settings, displayName }
      server.emit('appState', { state: 'ready', peerId: OWN_PEER_ID })
      return { peerId: OWN_PEER_ID }
    },
    whoami: () => ({ peerId: OWN_PEER_ID, displayName: state.settings.displayName, createdAt: 0 }),
    invite: () => ({ code: INVITE_CODE }),
    addContact: ({ invite, name }) => {
      if (!invite.startsWith('parley:')) throw fail('invalid_invite', 'invalid invite: not a Parley invite code')
      const added = contact(BOB, name)
      state.contacts.set(BOB, added)
      server.emit('contact', added)
      return added
    },
    listContacts: () => ({ contacts: [...state.contacts.values()] }),
    renameContact: ({ peerId, name }) => update(peerId, { name }),
    removeContact: ({ peerId }) => {
      need(peerId)
      state.contacts.delete(peerId)
      state.messages = state.messages.filter(m => m.peerId !== peerId)
      server.emit('contactRemoved', { peerId })
      return { removed: true as const }
    },
    safetyNumber: ({ peerId }) => {
      const { verified, pendingIdentityKey } = need(peerId)
      const pending = pendingIdentityKey == null
        ? undefined
        : { digits: PENDING_SAFETY_DIGITS, scannable: btoa(`scannable:${pendingIdentityKey}`), identityKey: pendingIdentityKey }
      return { digits: SAFETY_DIGITS, scannable: btoa(`scannable:${peerId}`), verified, pending }
    },
    markVerified: ({ peerId, verified }) => update(peerId, { verified }),
    acceptIdentityChange: ({ peerId, identityKey }) => {
      const { identityChanged, pendingIdentityKey } = need(peerId)
      if (!identityChanged || pendingIdentityKey == null) throw fail('not_found', `a pending identity change for ${peerId} not found`)
      if (identityKey !== pendingIdentityKey) throw fail('identity_changed', 'the safety number changed again after it was shown')
      return update(peerId, { identityChanged: false, verified: false, pendingIdentityKey: undefined })
    },
    listConversations: () => ({
      conversations: [...state.contacts.values()].map(c => {
        const messages = history(c.peerId)
        const lastMessage = messages.at(-1)
        return {
          peerId: c.peerId,
          name: c.name,
          state: c.state,
          verified: c.verified,
          identityChanged: c.identityChanged,
          lastMessage,
          unread: messages.filter(m => m.unread).length,
          lastActivity: lastMessage?.sentAt ?? c.createdAt
        }
      }).sort((a, b) => b.lastActivity - a.lastActivity)
    }),
    messages: ({ peerId, limit, before }) => {
      // Newest first; the cursor is how many messages were already returned.
      const newestFirst = history(peerId).reverse()
      const start = before == null ? 0 : Number(before)
      const page = newestFirst.slice(start, start + limit)
      const next = start + page.length
      return { messages: page, nextCursor: next < newestFirst.length ? String(next) : undefined }
    },
    send: ({ peerId, text }) => {
      const to = need(peerId)
      if (to.identityChanged) throw fail('identity_changed', 'the safety number changed')
      const sent = message(peerId, text)
      state.messages.push(sent)
      server.emit('message', sent)
      return sent
    },
    markRead: ({ peerId }) => {
      let marked = 0
      state.messages = state.messages.map(m => {
        if (m.peerId !== peerId || !m.unread) return m
        marked++
        return { ...m, unread: false }
      })
      return { marked }
    },
    search: ({ query, limit }) => ({
      results: state.messages.filter(m => m.text.toLowerCase().includes(query.toLowerCase())).reverse().slice(0, limit).map(m => ({ message: m, snippet: m.text }))
    }),
    status: () => state.status,
    getSettings: () => state.settings,
    setSettings: changes => {
      state.settings = { ...state.settings, ...changes }
      return state.settings
    }
  }

  // Record every call and apply scripted failures before the real handler runs.
  const recorded = Object.fromEntries(Object.entries(handlers).map(([name, handler]) => {
    const method = name as ParleyMethod
    const wrapped = (params: unknown): unknown => {
      calls.push({ method, params })
      const failure = failures.get(method)
      if (failure != null) {
        failures.delete(method)
        throw fail(failure.code, failure.message)
      }
      return (handler as (params: unknown) => unknown)(params)
    }
    return [name, wrapped]
  })) as unknown as Handlers<ParleyContract>

  const server = new RpcServer(parleyContract, recorded)
  const [serverPort, clientPort] = memoryPortPair()
  server.connect(serverPort)
  const client = new RpcClient(parleyContract, clientPort)

  return {
    state,
    server,
    client,
    calls,
    callsOf: method => calls.filter(call => call.method === method).map(call => call.params),
    failNext: (method, code, text) => { failures.set(method, { code, message: text }) },
    close: () => { client.close(); server.close() }
  }
}

/** Statuses as the log shows them on outgoing messages. */
export const OUTGOING_STATUSES: Array<Exclude<MessageStatus, 'received'>> = ['queued', 'sent', 'delivered', 'failed']

import { randomBytes } from 'node:crypto'
import { mkdirSync } from 'node:fs'
import { logger } from '@libp2p/logger'
import { peerIdFromString } from '@libp2p/peer-id'
import { multiaddr } from '@multiformats/multiaddr'
import { TypedEventEmitter } from 'main-event'
import { toHex } from '../bytes.js'
import { GENESIS_HASH, contentHash, conversationIdFor } from '../chat/content.js'
import { Outbox } from '../chat/outbox.js'
import { PresenceService } from '../chat/presence.js'
import { MESSAGE_PROTOCOL, MessageReceiver } from '../chat/receiver.js'
import { IdentityChanges } from '../chat/identity-changes.js'
import { PREKEY_PROTOCOL, PrekeyService } from '../e2ee/prekey-protocol.js'
import { replenishPrekeys } from '../e2ee/prekeys.js'
import { Sessions } from '../e2ee/session.js'
import { createSignalStores } from '../e2ee/signal-stores.js'
import { validMessageText, validName } from '../api/text-rules.js'
import { withDeadline } from '../deadline.js'
import { DatabaseDamagedError, InvalidParamsError, NotFoundError, ParleyError, errorMessage } from '../errors.js'
import { createIdentity, identityFromRow, identityToRow } from '../identity/identity.js'
import { createInvite, parseInvite } from '../identity/invite.js'
import { peerAddressProblem } from '../net/peer-address.js'
import { createParleyNode } from '../net/presets.js'
import { ContactsRepository } from '../store/contacts-repo.js'
import { ParleyDatabase } from '../store/database.js'
import { inspectDataDir } from '../store/data-dir.js'
import { SqlDatastore } from '../store/datastore.js'
import { WriteBehindDatastore } from '../store/write-behind-datastore.js'
import { DataDirLock } from '../store/dir-lock.js'
import { IdentityRepository } from '../store/identity-repo.js'
import { MessagesRepository } from '../store/messages-repo.js'
import { MAX_INBOUND_MESSAGE_STREAMS, MAX_INBOUND_PREKEY_STREAMS } from '../wire/limits.js'
import { Content } from '../wire/parley.js'
import { nodeStatus } from '../net/status.js'
import { SettingsRepository } from '../store/settings-repo.js'
import type { ChatEvents } from '../chat/events.js'
import type { SafetyNumbers } from '../chat/identity-changes.js'
import type { NodeStatus } from '../net/status.js'
import type { Settings } from '../store/settings-repo.js'
import type { DeviceIdentity } from '../identity/identity.js'
import type { ParleyNode, Preset } from '../net/presets.js'
import type { Contact } from '../store/contacts-repo.js'
import type { KeyWrapper } from '../store/key-wrapper.js'
import type { StoredMessage } from '../store/messages-repo.js'
import type { Multiaddr } from '@multiformats/multiaddr'

export interface EngineOptions {
  dataDir: string
  wrapper: KeyWrapper
  preset?: Preset
  listen?: string[]
  /** Bootstrap/relay multiaddrs (with /p2p/<id>). */
  bootstrap?: string[]
  /** Relays named in our invites; defaults to the bootstrap list. */
  inviteRelays?: string[]
  /** A lock on `dataDir` the caller already holds (onboarding); the engine releases it on stop. */
  lock?: DataDirLock
  /** Where to say what a person should know but that does not stop the engine (default: stderr). */
  warn?: (message: string) => void
  /** `desktop` preset kept on this machine, for tests (see NodeConfig.sameHost). */
  sameHost?: boolean
}

/** How long a dial the engine makes for the user (a new bootstrap peer, a contact's bundle) may take. */
const DIAL_TIMEOUT_MS = 10_000
/** `network` events are coalesced: connection churn would otherwise flood the UI. */
const NETWORK_EVENT_INTERVAL_MS = 1000

/** Everything the engine announces: chat events plus contact removal and network changes. */
export interface EngineEvents extends ChatEvents {
  contactRemoved: CustomEvent<{ peerId: string }>
  network: CustomEvent<NodeStatus>
}

/** The engine's settings: the stored ones and the display name, which lives with the identity. */
export interface EngineSettings extends Settings {
  displayName: string
}

/**
 * The whole engine for one device: database, identity, libsignal sessions,
 * the libp2p node, the message protocol and the outbox. Electron's utility
 * process, the daemon, simulations and tests all run this class.
 */
export class Engine extends TypedEventEmitter<EngineEvents> {
  readonly identity: DeviceIdentity
  readonly node: ParleyNode
  readonly db: ParleyDatabase
  /** libp2p's peer data, committed to `db` in the background. */
  private readonly peerData: WriteBehindDatastore
  readonly contacts: ContactsRepository
  readonly messages: MessagesRepository
  readonly settings: SettingsRepository
  private readonly identityRepo: IdentityRepository
  private displayName: string
  private networkTimer: ReturnType<typeof setTimeout> | undefined
  private readonly sessions: Sessions
  private readonly outbox: Outbox
  private readonly identityChanges: IdentityChanges
  private readonly presence: PresenceService
  private readonly lock: DataDirLock
  private readonly options: EngineOptions
  private readonly log = logger('parley:engine')
  private stopped = false

  private constructor (init: { options: EngineOptions, db: ParleyDatabase, lock: DataDirLock, identity: DeviceIdentity, node: ParleyNode, peerData: WriteBehindDatastore }) {
    super()
    this.options = init.options
    this.db = init.db
    this.lock = init.lock
    this.identity = init.identity
    this.node = init.node
    this.peerData = init.peerData
    this.contacts = new ContactsRepository(this.db)
    this.messages = new MessagesRepository(this.db)
    this.settings = new SettingsRepository(this.db)
    this.identityRepo = new IdentityRepository(this.db)
    this.displayName = this.identity.displayName
    const stores = createSignalStores(this.db, this.identity)
    this.sessions = new Sessions(this.identity, stores)
    const receiver = new MessageReceiver({
      db: this.db, self: this.identity.peerId, sessions: this.sessions, stores, contacts: this.contacts, messages: this.messages, events: this, log: logger('parley:receiver')
    })
    const prekeys = new PrekeyService({ db: this.db, identity: this.identity, stores, log: logger('parley:prekeys') })
    this.outbox = new Outbox({
      db: this.db, node: this.node, sessions: this.sessions, contacts: this.contacts, messages: this.messages, events: this, log: logger('parley:outbox')
    })
    this.identityChanges = new IdentityChanges({
      db: this.db, node: this.node, identity: this.identity, contacts: this.contacts, events: this, log: logger('parley:identity-changes')
    })
    this.presence = new PresenceService({ node: this.node, contacts: this.contacts, log: logger('parley:presence') })
    this.handlers = [
      [MESSAGE_PROTOCOL, async (stream, connection) => { await receiver.handle(stream, connection) }, MAX_INBOUND_MESSAGE_STREAMS],
      [PREKEY_PROTOCOL, async (stream, connection) => { await prekeys.handle(stream, connection) }, MAX_INBOUND_PREKEY_STREAMS]
    ]
    this.replenish = async () => { await replenishPrekeys(this.db, this.identity, stores) }
  }

  /** Protocol, handler, and how many of its streams one connection may have open. */
  private readonly handlers: Array<[string, Parameters<ParleyNode['handle']>[1], number]>
  private readonly replenish: () => Promise<void>

  /** Makes a new identity in `dataDir`. Fails if one exists. */
  static async init (dataDir: string, wrapper: KeyWrapper, displayName: string, heldLock?: DataDirLock): Promise<string> {
    const name = validName(displayName)
    mkdirSync(dataDir, { recursive: true, mode: 0o700 })
    const lock = heldLock ?? DataDirLock.acquire(dataDir)
    try {
      const fresh = inspectDataDir(dataDir) === 'empty'
      const db = await ParleyDatabase.open(dataDir, wrapper, { create: true })
      try {
        const repo = new IdentityRepository(db)
        if (repo.get() != null) throw new ParleyError('already_initialised', `${dataDir} already holds an identity`)
        // A database made earlier but never given an identity is not ours to fill in.
        if (!fresh) throw noIdentity(dataDir)
        const identity = await createIdentity(name)
        await repo.insert(identityToRow(identity))
        await replenishPrekeys(db, identity, createSignalStores(db, identity))
        return identity.peerId.toString()
      } finally {
        await db.close()
      }
    } finally {
      if (heldLock == null) lock.release()
    }
  }

  /** Opens an initialised data dir and starts the node. */
  static async start (options: EngineOptions): Promise<Engine> {
    const lock = options.lock ?? DataDirLock.acquire(options.dataDir)
    let db: ParleyDatabase | undefined
    try {
      db = await ParleyDatabase.open(options.dataDir, options.wrapper)
      const row = new IdentityRepository(db).get()
      if (row == null) throw noIdentity(options.dataDir)
      const identity = identityFromRow(row)
      // Peers the user saved in settings join those given for this run. A saved
      // value that no longer parses is skipped, never fatal: it could not be undone otherwise.
      const settings = new SettingsRepository(db)
      for (const problem of settings.problems()) (options.warn ?? warnOnStderr)(`ignoring a stored setting that no longer fits: ${problem}`)
      const saved = settings.getAll()
      const peerData = new WriteBehindDatastore(new SqlDatastore(db), {
        onFlushError: (message) => { logger('parley:engine')(message) }
      })
      const contacts = new ContactsRepository(db)
      const node = await createParleyNode({
        preset: options.preset ?? 'desktop',
        privateKey: identity.peerKey,
        listen: options.listen,
        // Peers the user saved in settings join those given for this run.
        bootstrap: unique([...(options.bootstrap ?? []), ...saved.bootstrap]),
        mdns: saved.mdns,
        datastore: peerData,
        isContact: peerId => contacts.isAccepted(peerId),
        sameHost: options.sameHost
      })
      const engine = new Engine({ options, db, lock, identity, node, peerData })
      await engine.startServices()
      return engine
    } catch (err) {
      await db?.close()
      if (options.lock == null) lock.release()
      throw err
    }
  }

  private async startServices (): Promise<void> {
    await this.replenish()
    for (const [protocol, handler, maxInboundStreams] of this.handlers) {
      // Relayed connections are limited; Parley's small frames fit, so accept them there too.
      await this.node.handle(protocol, handler, { runOnLimitedConnection: true, maxInboundStreams })
    }
    await this.node.start()
    this.outbox.start()
    this.identityChanges.start()
    for (const event of ['connection:open', 'connection:close', 'self:peer:update'] as const) {
      this.node.addEventListener(event, () => { this.scheduleNetworkEvent() })
    }
    this.presence.start()
  }

  private scheduleNetworkEvent (): void {
    if (this.networkTimer != null || this.stopped) return
    this.networkTimer = setTimeout(() => {
      this.networkTimer = undefined
      if (!this.stopped) this.dispatchEvent(new CustomEvent('network', { detail: this.networkStatus() }))
    }, NETWORK_EVENT_INTERVAL_MS)
  }

  get peerId (): string {
    return this.identity.peerId.toString()
  }

  /**
   * Resolves true once connected to one of the bootstrap peers (at once when
   * none is configured), false when `timeoutMs` passes first.
   */
  async waitForBootstrap (timeoutMs: number): Promise<boolean> {
    const wanted = new Set(unique([...(this.options.bootstrap ?? []), ...this.settings.getAll().bootstrap])
      .map(a => multiaddr(a).getComponents().findLast(c => c.name === 'p2p')?.value)
      .filter(id => id != null))
    const connected = (): boolean => this.node.getConnections().some(c => c.status === 'open' && wanted.has(c.remotePeer.toString()))
    if (wanted.size === 0 || connected()) return true
    return await new Promise<boolean>(resolve => {
      const done = (result: boolean): void => {
        clearTimeout(timer)
        this.node.removeEventListener('connection:open', check)
        resolve(result)
      }
      const check = (): void => { if (connected()) done(true) }
      const timer = setTimeout(() => { done(false) }, timeoutMs)
      this.node.addEventListener('connection:open', check)
    })
  }

  get profile (): { peerId: string, displayName: string, createdAt: number } {
    return { peerId: this.peerId, displayName: this.displayName, createdAt: this.identity.createdAt }
  }

  /**
   * Relay addresses to put in invites: the relays from settings, else those
   * given at start, else the bootstrap peers; only those that carry a PeerId.
   */
  relayAddresses (): Multiaddr[] {
    const settings = this.settings.getAll()
    const configured = settings.relays.length > 0
      ? settings.relays
      : this.options.inviteRelays ?? unique([...(this.options.bootstrap ?? []), ...settings.bootstrap])
    return configured.map(a => multiaddr(a)).filter(a => a.getComponents().some(c => c.name === 'p2p'))
  }

  async invite (): Promise<string> {
    return await createInvite(this.identity, this.relayAddresses())
  }

  /** Adds (or re-adds) a contact from their invite code. */
  async addContact (code: string, name: string): Promise<Contact> {
    const invite = await parseInvite(code)
    const peerId = invite.peerId.toString()
    if (peerId === this.peerId) throw new InvalidParamsError('that is your own invite')
    const contact = await this.db.write(() => {
      const saved = this.contacts.upsertFromInvite({ peerId, name: validName(name), identityKey: invite.identityKey, relays: invite.relays.map(r => r.toString()) }, Date.now())
      this.messages.ensureConversation(toHex(conversationIdFor(this.identity.peerId, invite.peerId)), peerId, Date.now())
      return saved
    })
    this.dispatchEvent(new CustomEvent('contact', { detail: contact }))
    return contact
  }

  /** Stores and queues a message; delivery continues in the background. */
  async send (peerId: string, text: string): Promise<StoredMessage> {
    validMessageText(text)
    const contact = this.contacts.get(peerId)
    if (contact == null) throw new NotFoundError(`contact ${peerId}`)
    if (contact.identityChanged) throw new ParleyError('identity_changed', `${contact.name}'s safety number changed; verify and accept it before sending`)
    const id = randomBytes(16)
    const now = Date.now()
    const conversationId = conversationIdFor(this.identity.peerId, peerIdFromString(peerId))
    const message = await this.db.write(async () => {
      const canEncryptNow = !this.messages.hasUnencrypted(peerId) && await this.sessions.has(peerId)
      const conversation = this.messages.ensureConversation(toHex(conversationId), peerId, now)
      const content = Content.encode({
        messageId: id,
        conversationId,
        seq: BigInt(conversation.nextSeq),
        prevHash: new Uint8Array(conversation.lastHash ?? GENESIS_HASH),
        timestamp: BigInt(now),
        text: { text }
      })
      const hexId = toHex(id)
      this.messages.insertOutgoing({
        id: hexId, conversationId: conversation.id, sender: this.peerId, seq: conversation.nextSeq,
        prevHash: conversation.lastHash ?? GENESIS_HASH, contentHash: contentHash(content), content, text, sentAt: now
      })
      // With a session, encrypt inside the same transaction: one commit per send.
      if (canEncryptNow) this.messages.saveCiphertext(hexId, await this.sessions.encrypt(peerId, content))
      const stored = this.messages.get(hexId)
      if (stored == null) throw new Error('message vanished after insert')
      return stored
    })
    this.dispatchEvent(new CustomEvent('message', { detail: message }))
    this.outbox.kick(peerId)
    return message
  }

  async renameContact (peerId: string, name: string): Promise<Contact> {
    const valid = validName(name)
    const renamed = await this.db.write(() => this.contacts.rename(peerId, valid))
    if (!renamed) throw new NotFoundError(`contact ${peerId}`)
    return this.announceContact(peerId)
  }

  async markVerified (peerId: string, verified: boolean): Promise<Contact> {
    const contact = this.requireContact(peerId)
    if (verified && contact.identityChanged) throw new ParleyError('identity_changed', `${contact.name}'s safety number changed; accept the new one first`)
    await this.db.write(() => { this.contacts.setVerified(peerId, verified) })
    return this.announceContact(peerId)
  }

  /** Deletes the contact with its conversation, history, queued messages and session. */
  async removeContact (peerId: string): Promise<void> {
    const removed = await this.db.write(() => this.contacts.remove(peerId))
    if (!removed) throw new NotFoundError(`contact ${peerId}`)
    this.dispatchEvent(new CustomEvent('contactRemoved', { detail: { peerId } }))
  }

  /** The safety number, and while an identity change is pending, the one with the new key. */
  safetyNumber (peerId: string): SafetyNumbers {
    return this.identityChanges.safetyNumbers(peerId)
  }

  /** Marks every message of the conversation read; returns how many were unread. */
  async markRead (peerId: string): Promise<number> {
    const conversation = this.messages.conversationWith(peerId)
    if (conversation == null) return 0
    return await this.db.write(() => this.messages.markRead(conversation.id))
  }

  networkStatus (): NodeStatus {
    return nodeStatus(this.node)
  }

  getSettings (): EngineSettings {
    return { ...this.settings.getAll(), displayName: this.displayName }
  }

  /**
   * Saves the given settings. New bootstrap peers are dialled at once and
   * used from the next start on.
   */
  async setSettings (patch: Partial<EngineSettings>): Promise<EngineSettings> {
    const { displayName, ...stored } = patch
    for (const addr of [...(stored.bootstrap ?? []), ...(stored.relays ?? [])]) validPeerAddress(addr)
    const before = this.settings.getAll().bootstrap
    await this.db.write(() => {
      if (displayName != null) this.identityRepo.setDisplayName(validName(displayName))
      this.settings.update(stored)
    })
    if (displayName != null) this.displayName = validName(displayName)
    for (const addr of (stored.bootstrap ?? []).filter(a => !before.includes(a))) {
      withDeadline(DIAL_TIMEOUT_MS, 'a bootstrap dial', undefined, async signal => await this.node.dial(multiaddr(addr), { signal }))
        .catch(err => { this.log('dial to new bootstrap peer %s failed: %s', addr, errorMessage(err)) })
    }
    return this.getSettings()
  }

  private requireContact (peerId: string): Contact {
    const contact = this.contacts.get(peerId)
    if (contact == null) throw new NotFoundError(`contact ${peerId}`)
    return contact
  }

  private announceContact (peerId: string): Contact {
    const contact = this.requireContact(peerId)
    this.dispatchEvent(new CustomEvent('contact', { detail: contact }))
    return contact
  }

  /** The conversation with `peerId`, newest first. */
  history (peerId: string, limit = 50, before?: { sentAt: number, id: string }): StoredMessage[] {
    const conversation = this.messages.conversationWith(peerId)
    if (conversation == null) return []
    return this.messages.list(conversation.id, limit, before)
  }

  /** The user accepts a contact's new identity key: only `shownKey`, the one whose safety number they compared. */
  async acceptIdentityChange (peerId: string, shownKey: Uint8Array): Promise<Contact> {
    return await this.identityChanges.accept(peerId, shownKey)
  }

  /** Stops the node and closes the database. Queued messages stay queued. */
  async stop (): Promise<void> {
    if (this.stopped) return
    this.stopped = true
    clearTimeout(this.networkTimer)
    this.presence.stop()
    this.outbox.stop()
    this.identityChanges.stop()
    await this.node.stop()
    await this.peerData.close()
    await this.db.close()
    this.lock.release()
  }
}

function unique (values: string[]): string[] {
  return [...new Set(values)]
}

/** A peer's address must parse and name the peer (`…/p2p/<PeerId>`), or it cannot be dialled as that peer. */
function validPeerAddress (addr: string): void {
  const problem = peerAddressProblem(addr)
  if (problem != null) throw new InvalidParamsError(`${addr.slice(0, 80)} ${problem}`)
}

function noIdentity (dataDir: string): DatabaseDamagedError {
  return new DatabaseDamagedError(dataDir, new Error('its database holds no identity (if "parley init" was interrupted, remove the directory and run it again)'))
}

function warnOnStderr (message: string): void {
  process.stderr.write(`warning: ${message}\n`)
}

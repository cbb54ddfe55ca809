import { randomBytes } from 'node:crypto'
import { mkdirSync } from 'node:fs'
import { logger } from '@libp2p/logger'
import { peerIdFromString } from '@libp2p/peer-id'
import { multiaddr } from '@multiformats/multiaddr'
import { TypedEventEmitter } from 'main-event'
import { toHex } from '../bytes.js'
import { GENESIS_HASH, contentHash, conversationIdFor, textByteLength } from '../chat/content.js'
import { Outbox } from '../chat/outbox.js'
import { MESSAGE_PROTOCOL, MessageReceiver } from '../chat/receiver.js'
import { PREKEY_PROTOCOL, PrekeyService, fetchBundle } from '../e2ee/prekey-protocol.js'
import { bundleFromWire, replenishPrekeys } from '../e2ee/prekeys.js'
import { Sessions } from '../e2ee/session.js'
import { createSignalStores } from '../e2ee/signal-stores.js'
import { InvalidParamsError, NotFoundError, ParleyError, errorMessage } from '../errors.js'
import { createIdentity, identityFromRow, identityToRow } from '../identity/identity.js'
import { createInvite, parseInvite } from '../identity/invite.js'
import { connectToPeer } from '../net/reach.js'
import { createParleyNode } from '../net/presets.js'
import { ContactsRepository } from '../store/contacts-repo.js'
import { ParleyDatabase } from '../store/database.js'
import { SqlDatastore } from '../store/datastore.js'
import { DataDirLock } from '../store/dir-lock.js'
import { IdentityRepository } from '../store/identity-repo.js'
import { MessagesRepository } from '../store/messages-repo.js'
import { MAX_TEXT_BYTES } from '../wire/limits.js'
import { Content } from '../wire/parley.js'
import type { ChatEvents } from '../chat/events.js'
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
}

/** Contacts dialled at once when the engine starts (to tell them we are online). */
const PRESENCE_DIAL_CONCURRENCY = 4
const PRESENCE_DIAL_TIMEOUT_MS = 10_000
const MAX_NAME_LENGTH = 100

/**
 * The whole engine for one device: database, identity, libsignal sessions,
 * the libp2p node, the message protocol and the outbox. Electron's utility
 * process, the daemon, simulations and tests all run this class.
 */
export class Engine extends TypedEventEmitter<ChatEvents> {
  readonly identity: DeviceIdentity
  readonly node: ParleyNode
  readonly db: ParleyDatabase
  readonly contacts: ContactsRepository
  readonly messages: MessagesRepository
  private readonly sessions: Sessions
  private readonly outbox: Outbox
  private readonly lock: DataDirLock
  private readonly options: EngineOptions
  private readonly log = logger('parley:engine')
  private stopped = false

  private constructor (init: { options: EngineOptions, db: ParleyDatabase, lock: DataDirLock, identity: DeviceIdentity, node: ParleyNode }) {
    super()
    this.options = init.options
    this.db = init.db
    this.lock = init.lock
    this.identity = init.identity
    this.node = init.node
    this.contacts = new ContactsRepository(this.db)
    this.messages = new MessagesRepository(this.db)
    const stores = createSignalStores(this.db, this.identity)
    this.sessions = new Sessions(this.identity, stores)
    const receiver = new MessageReceiver({
      db: this.db, self: this.identity.peerId, sessions: this.sessions, stores, contacts: this.contacts, messages: this.messages, events: this, log: logger('parley:receiver')
    })
    const prekeys = new PrekeyService({ db: this.db, identity: this.identity, stores, log: logger('parley:prekeys') })
    this.outbox = new Outbox({
      db: this.db, node: this.node, sessions: this.sessions, contacts: this.contacts, messages: this.messages, events: this, log: logger('parley:outbox')
    })
    this.handlers = [
      [MESSAGE_PROTOCOL, async (stream, connection) => { await receiver.handle(stream, connection) }],
      [PREKEY_PROTOCOL, async (stream, connection) => { await prekeys.handle(stream, connection) }]
    ]
    this.replenish = async () => { await replenishPrekeys(this.db, this.identity, stores) }
  }

  private readonly handlers: Array<[string, Parameters<ParleyNode['handle']>[1]]>
  private readonly replenish: () => Promise<void>

  /** Makes a new identity in `dataDir`. Fails if one exists. */
  static async init (dataDir: string, wrapper: KeyWrapper, displayName: string): Promise<string> {
    const name = validName(displayName)
    mkdirSync(dataDir, { recursive: true, mode: 0o700 })
    const lock = DataDirLock.acquire(dataDir)
    try {
      const db = await ParleyDatabase.open(dataDir, wrapper, { create: true })
      try {
        const repo = new IdentityRepository(db)
        if (repo.get() != null) throw new ParleyError('already_initialised', `${dataDir} already holds an identity`)
        const identity = await createIdentity(name)
        await repo.insert(identityToRow(identity))
        await replenishPrekeys(db, identity, createSignalStores(db, identity))
        return identity.peerId.toString()
      } finally {
        await db.close()
      }
    } finally {
      lock.release()
    }
  }

  /** Opens an initialised data dir and starts the node. */
  static async start (options: EngineOptions): Promise<Engine> {
    const lock = DataDirLock.acquire(options.dataDir)
    let db: ParleyDatabase | undefined
    try {
      db = await ParleyDatabase.open(options.dataDir, options.wrapper)
      const row = new IdentityRepository(db).get()
      if (row == null) throw new ParleyError('not_initialised', `no identity in ${options.dataDir}`)
      const identity = identityFromRow(row)
      const node = await createParleyNode({
        preset: options.preset ?? 'desktop',
        privateKey: identity.peerKey,
        listen: options.listen,
        bootstrap: options.bootstrap,
        datastore: new SqlDatastore(db)
      })
      const engine = new Engine({ options, db, lock, identity, node })
      await engine.startServices()
      return engine
    } catch (err) {
      await db?.close()
      lock.release()
      throw err
    }
  }

  private async startServices (): Promise<void> {
    await this.replenish()
    for (const [protocol, handler] of this.handlers) {
      // Relayed connections are limited; Parley's small frames fit, so accept them there too.
      await this.node.handle(protocol, handler, { runOnLimitedConnection: true })
    }
    await this.node.start()
    this.outbox.start()
    void this.announcePresence()
  }

  /** Dials every contact once, so peers with messages queued for us send them now. */
  private async announcePresence (): Promise<void> {
    const queue = this.contacts.list()
    const worker = async (): Promise<void> => {
      for (let contact = queue.shift(); contact != null && !this.stopped; contact = queue.shift()) {
        await connectToPeer(this.node, contact.peerId, contact.relays, { signal: AbortSignal.timeout(PRESENCE_DIAL_TIMEOUT_MS) })
          .catch(err => { this.log('presence dial to %s failed: %s', contact.peerId, errorMessage(err)) })
      }
    }
    await Promise.all(Array.from({ length: PRESENCE_DIAL_CONCURRENCY }, worker))
  }

  get peerId (): string {
    return this.identity.peerId.toString()
  }

  /** Relay addresses to put in invites: configured relays that carry a PeerId. */
  relayAddresses (): Multiaddr[] {
    return (this.options.inviteRelays ?? this.options.bootstrap ?? []).map(a => multiaddr(a)).filter(a => a.getComponents().some(c => c.name === 'p2p'))
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
    if (text.length === 0) throw new InvalidParamsError('the message is empty')
    if (textByteLength(text) > MAX_TEXT_BYTES) throw new InvalidParamsError(`the message is longer than ${MAX_TEXT_BYTES} bytes`)
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

  /** The conversation with `peerId`, newest first. */
  history (peerId: string, limit = 50, before?: { sentAt: number, id: string }): StoredMessage[] {
    const conversation = this.messages.conversationWith(peerId)
    if (conversation == null) return []
    return this.messages.list(conversation.id, limit, before)
  }

  /**
   * The user accepts a contact's new identity key (after comparing safety
   * numbers). When only the receive side noticed the change, the new key is
   * not known yet: it is fetched from the peer's own, verified bundle first.
   */
  async acceptIdentityChange (peerId: string): Promise<Contact> {
    const current = this.contacts.get(peerId)
    if (current == null) throw new NotFoundError(`contact ${peerId}`)
    if (current.identityChanged && current.pendingIdentityKey == null) await this.learnIdentityKey(current)
    const accepted = await this.db.write(() => this.contacts.acceptIdentityChange(peerId))
    if (!accepted) throw new NotFoundError(`a pending identity change for ${peerId}`)
    const contact = this.contacts.get(peerId)
    if (contact == null) throw new NotFoundError(`contact ${peerId}`)
    this.dispatchEvent(new CustomEvent('contact', { detail: contact }))
    return contact
  }

  private async learnIdentityKey (contact: Contact): Promise<void> {
    const peer = peerIdFromString(contact.peerId)
    if (peer.publicKey == null) throw new InvalidParamsError(`${contact.peerId} has no inline public key`)
    const signal = AbortSignal.timeout(PRESENCE_DIAL_TIMEOUT_MS)
    const connection = await connectToPeer(this.node, contact.peerId, contact.relays, { signal })
    const bundle = await fetchBundle(connection, { signal })
    // Checks that the peer's own key vouches for the identity key in the bundle.
    await bundleFromWire(bundle, peer.publicKey.raw)
    await this.db.write(() => { this.contacts.flagIdentityChange(contact.peerId, bundle.identityKey) })
  }

  /** Stops the node and closes the database. Queued messages stay queued. */
  async stop (): Promise<void> {
    if (this.stopped) return
    this.stopped = true
    this.outbox.stop()
    await this.node.stop()
    await this.db.close()
    this.lock.release()
  }
}

function validName (name: string): string {
  const trimmed = name.trim()
  if (trimmed.length === 0 || trimmed.length > MAX_NAME_LENGTH) throw new InvalidParamsError(`a name must be 1–${MAX_NAME_LENGTH} characters`)
  return trimmed
}

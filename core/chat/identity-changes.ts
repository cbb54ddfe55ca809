import { peerIdFromString } from '@libp2p/peer-id'
import { withDeadline } from '../deadline.js'
import { fetchBundle } from '../e2ee/prekey-protocol.js'
import { bundleFromWire } from '../e2ee/prekeys.js'
import { InvalidParamsError, NotFoundError, ParleyError, errorMessage } from '../errors.js'
import { safetyNumber } from '../identity/safety-number.js'
import { connectToPeer } from '../net/reach.js'
import { missingCase } from '../unreachable.js'
import type { ChatEvents } from './events.js'
import type { DeviceIdentity } from '../identity/identity.js'
import type { SafetyNumber } from '../identity/safety-number.js'
import type { ParleyNode } from '../net/presets.js'
import type { Contact, ContactsRepository } from '../store/contacts-repo.js'
import type { ParleyDatabase } from '../store/database.js'
import type { Logger, PeerId } from '@libp2p/interface'
import type { TypedEventTarget } from 'main-event'

/** How long reaching a contact and fetching its bundle, to learn its new key, may take. */
export const LEARN_KEY_TIMEOUT_MS = 30_000

/** A serialised libsignal identity public key: a type byte and 32 bytes of Curve25519. */
export const IDENTITY_KEY_BYTES = 33

/** The safety number with a contact, and while its identity change waits for the user, the number with the new key. */
export interface SafetyNumbers extends SafetyNumber {
  verified: boolean
  /** Present while a change is pending and the new key is known: compare this one, then accept `identityKey`. */
  pending?: SafetyNumber & { identityKey: Uint8Array }
}

export interface IdentityChangesComponents {
  db: ParleyDatabase
  node: ParleyNode
  identity: DeviceIdentity
  contacts: ContactsRepository
  events: TypedEventTarget<ChatEvents>
  log: Logger
}

/**
 * A contact's identity key changed: the user must see the safety number
 * with the new key before trusting it, and can only accept that key. When
 * the change was noticed without the key (a message under an untrusted
 * key), the key is fetched from the contact's own bundle, checked against
 * its PeerId, and kept as pending: at once, when the contact next connects,
 * and whenever its safety number is asked for.
 */
export class IdentityChanges {
  private readonly controller = new AbortController()
  private readonly learning = new Map<string, Promise<void>>()

  constructor (private readonly c: IdentityChangesComponents) {}

  start (): void {
    this.c.events.addEventListener('contact', this.onContact)
    this.c.node.addEventListener('peer:connect', this.onConnect)
    for (const contact of this.c.contacts.list()) this.learnIfUnknown(contact)
  }

  stop (): void {
    this.controller.abort(new Error('the engine is stopping'))
    this.c.events.removeEventListener('contact', this.onContact)
    this.c.node.removeEventListener('peer:connect', this.onConnect)
  }

  safetyNumbers (peerId: string): SafetyNumbers {
    const contact = this.c.contacts.get(peerId)
    if (contact == null) throw new NotFoundError(`contact ${peerId}`)
    const local = { peerId: this.c.identity.peerId, identityKey: this.c.identity.signal.publicKey.serialize() }
    const remote = peerIdFromString(peerId)
    const current = { ...safetyNumber(local, { peerId: remote, identityKey: contact.identityKey }), verified: contact.verified }
    if (contact.pendingIdentityKey == null) {
      this.learnIfUnknown(contact)
      return current
    }
    const identityKey = contact.pendingIdentityKey
    return { ...current, pending: { ...safetyNumber(local, { peerId: remote, identityKey }), identityKey } }
  }

  /** Trusts `shownKey`, the new key whose safety number the user compared; refuses any other. */
  async accept (peerId: string, shownKey: Uint8Array): Promise<Contact> {
    if (shownKey.length !== IDENTITY_KEY_BYTES) throw new InvalidParamsError(`an identity key is ${IDENTITY_KEY_BYTES} bytes`)
    const outcome = await this.c.db.write(() => this.c.contacts.acceptIdentityChange(peerId, shownKey))
    switch (outcome) {
      case 'accepted': return this.announce(peerId)
      case 'not_flagged': throw new NotFoundError(`a pending identity change for ${peerId}`)
      case 'not_known': throw new NotFoundError(`the new identity key of ${peerId} (it is fetched while they are online)`)
      case 'different': throw new ParleyError('identity_changed', 'the safety number changed again after it was shown; compare the new one')
      default: return missingCase(outcome)
    }
  }

  private readonly onContact = (event: CustomEvent<Contact>): void => { this.learnIfUnknown(event.detail) }

  private readonly onConnect = (event: CustomEvent<PeerId>): void => {
    const contact = this.c.contacts.get(event.detail.toString())
    if (contact != null) this.learnIfUnknown(contact)
  }

  private learnIfUnknown (contact: Contact): void {
    if (!contact.identityChanged || contact.pendingIdentityKey != null || this.controller.signal.aborted) return
    if (this.learning.has(contact.peerId)) return
    const learning = this.learn(contact)
      .catch((err: unknown) => { this.c.log('could not learn the new identity key of %s: %s', contact.peerId, errorMessage(err)) })
      .finally(() => { this.learning.delete(contact.peerId) })
    this.learning.set(contact.peerId, learning)
  }

  private async learn (contact: Contact): Promise<void> {
    const peer = peerIdFromString(contact.peerId)
    if (peer.publicKey == null) throw new InvalidParamsError(`${contact.peerId} has no inline public key`)
    const bundle = await withDeadline(LEARN_KEY_TIMEOUT_MS, `fetching the new key of ${contact.peerId}`, this.controller.signal, async signal => {
      const connection = await connectToPeer(this.c.node, contact.peerId, contact.relays, { signal })
      return await fetchBundle(connection, { signal })
    })
    // Only a key the peer's own PeerId key vouches for may be shown as its new one.
    await bundleFromWire(bundle, peer.publicKey.raw)
    this.controller.signal.throwIfAborted()
    const outcome = await this.c.db.write(() => this.c.contacts.learnPendingIdentity(contact.peerId, bundle.identityKey))
    if (outcome !== 'not_flagged') this.announce(contact.peerId)
  }

  private announce (peerId: string): Contact {
    const contact = this.c.contacts.get(peerId)
    if (contact == null) throw new NotFoundError(`contact ${peerId}`)
    this.c.events.dispatchEvent(new CustomEvent('contact', { detail: contact }))
    return contact
  }
}

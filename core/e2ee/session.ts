import {
  CiphertextMessageType,
  DecryptionErrorMessage,
  PreKeySignalMessage,
  ProtocolAddress,
  SignalMessage,
  processPreKeyBundle,
  signalDecrypt,
  signalDecryptPreKey,
  signalEncrypt
} from '@signalapp/libsignal-client'
import { bytes } from '../bytes.js'
import { ProtocolViolationError, errorMessage } from '../errors.js'
import { DEVICE_ID } from './prekeys.js'
import type { DeviceIdentity } from '../identity/identity.js'
import type { SignalStores } from './signal-stores.js'
import type { PreKeyBundle } from '@signalapp/libsignal-client'

export interface Ciphertext {
  /** libsignal's type: 2 (Whisper) or 3 (PreKey). */
  type: number
  body: Uint8Array<ArrayBuffer>
}

/**
 * Double Ratchet sessions with peers, one per PeerId. Every method changes
 * session state: call them inside `db.write()` together with the row that
 * depends on the result.
 */
export class Sessions {
  private readonly local: ProtocolAddress

  constructor (identity: DeviceIdentity, private readonly stores: SignalStores) {
    this.local = ProtocolAddress.new(identity.peerId.toString(), DEVICE_ID)
  }

  async has (peerId: string): Promise<boolean> {
    const record = await this.stores.sessions.getSession(signalAddress(peerId))
    return record?.hasCurrentState() ?? false
  }

  /** Starts a session (PQXDH) from a verified bundle. */
  async start (peerId: string, bundle: PreKeyBundle): Promise<void> {
    await processPreKeyBundle(bundle, signalAddress(peerId), this.local, this.stores.sessions, this.stores.identities)
  }

  async encrypt (peerId: string, plaintext: Uint8Array): Promise<Ciphertext> {
    const message = await signalEncrypt(bytes(plaintext), signalAddress(peerId), this.local, this.stores.sessions, this.stores.identities)
    return { type: message.type(), body: message.serialize() }
  }

  /**
   * Throws a ProtocolViolationError for bytes that are not a libsignal
   * message at all, and libsignal's own errors for a message no session here
   * decrypts or whose identity is untrusted; the caller stores nothing then.
   */
  async decrypt (peerId: string, ciphertext: Ciphertext): Promise<Uint8Array<ArrayBuffer>> {
    const from = signalAddress(peerId)
    const message = parseCiphertext(ciphertext)
    if (message instanceof SignalMessage) {
      return await signalDecrypt(message, from, this.local, this.stores.sessions, this.stores.identities)
    }
    return await signalDecryptPreKey(message, from, this.local, this.stores.sessions,
      this.stores.identities, this.stores.prekeys, this.stores.signedPrekeys, this.stores.kyberPrekeys)
  }

  /**
   * The peer could not decrypt `ciphertext`: retire the session it was made
   * under, so the next `has()` is false and a fresh one is started. A
   * session that already replaced that one (the peer started anew meanwhile)
   * is kept. libsignal keeps the retired state, so messages the peer sent
   * under it still decrypt. True when a session was retired.
   */
  async archiveIfCurrent (peerId: string, ciphertext: { type: number, body: Uint8Array }): Promise<boolean> {
    const address = signalAddress(peerId)
    const record = await this.stores.sessions.getSession(address)
    if (record == null || !record.hasCurrentState()) return false
    parseCiphertext(ciphertext)
    // libsignal's retry-request type reads the sender ratchet key out of a
    // ciphertext; the key names the session state that made it.
    const ratchetKey = DecryptionErrorMessage.forOriginal(bytes(ciphertext.body), ciphertext.type, 0, DEVICE_ID).ratchetKey()
    if (ratchetKey == null || !record.currentRatchetKeyMatches(ratchetKey)) return false
    record.archiveCurrentState()
    await this.stores.sessions.saveSession(address, record)
    return true
  }
}

function parseCiphertext (ciphertext: { type: number, body: Uint8Array }): SignalMessage | PreKeySignalMessage {
  try {
    switch (ciphertext.type) {
      case CiphertextMessageType.Whisper as number:
        return SignalMessage.deserialize(bytes(ciphertext.body))
      case CiphertextMessageType.PreKey as number:
        return PreKeySignalMessage.deserialize(bytes(ciphertext.body))
    }
  } catch (err) {
    throw new ProtocolViolationError(`malformed ciphertext: ${errorMessage(err)}`)
  }
  throw new ProtocolViolationError(`unsupported ciphertext type ${ciphertext.type}`)
}

/** libsignal's address for a peer: its PeerId, device 1. */
export function signalAddress (peerId: string): ProtocolAddress {
  return ProtocolAddress.new(peerId, DEVICE_ID)
}

import {
  CiphertextMessageType,
  PreKeySignalMessage,
  ProtocolAddress,
  SignalMessage,
  processPreKeyBundle,
  signalDecrypt,
  signalDecryptPreKey,
  signalEncrypt
} from '@signalapp/libsignal-client'
import { bytes } from '../bytes.js'
import { ProtocolViolationError } from '../errors.js'
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

  /** Throws libsignal's errors for undecryptable or untrusted input; the caller stores nothing then. */
  async decrypt (peerId: string, ciphertext: Ciphertext): Promise<Uint8Array<ArrayBuffer>> {
    const from = signalAddress(peerId)
    switch (ciphertext.type) {
      case CiphertextMessageType.Whisper as number:
        return await signalDecrypt(SignalMessage.deserialize(ciphertext.body), from, this.local, this.stores.sessions, this.stores.identities)
      case CiphertextMessageType.PreKey as number:
        return await signalDecryptPreKey(PreKeySignalMessage.deserialize(ciphertext.body), from, this.local, this.stores.sessions,
          this.stores.identities, this.stores.prekeys, this.stores.signedPrekeys, this.stores.kyberPrekeys)
      default:
        throw new ProtocolViolationError(`unsupported ciphertext type ${ciphertext.type}`)
    }
  }
}

/** libsignal's address for a peer: its PeerId, device 1. */
export function signalAddress (peerId: string): ProtocolAddress {
  return ProtocolAddress.new(peerId, DEVICE_ID)
}

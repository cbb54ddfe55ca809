import { Fingerprint, PublicKey } from '@signalapp/libsignal-client'
import { bytes } from '../bytes.js'
import type { PeerId } from '@libp2p/interface'

/** libsignal's iteration count for fingerprints; Signal uses the same. */
const FINGERPRINT_ITERATIONS = 5200
/** Scannable fingerprint format 2 (the one current libsignal clients produce). */
const FINGERPRINT_VERSION = 2

export interface SafetyNumber {
  /** 60 digits; both sides see the same number. */
  digits: string
  /** The bytes a QR code carries; the other side compares them with its own. */
  scannable: Uint8Array
}

export interface FingerprintParty {
  peerId: PeerId
  /** Serialised libsignal identity public key. */
  identityKey: Uint8Array
}

/**
 * The safety number of a conversation: libsignal's fingerprint over both
 * identity keys, each bound to its owner's PeerId (the stable identifier
 * Signal uses an account id for).
 */
export function safetyNumber (local: FingerprintParty, remote: FingerprintParty): SafetyNumber {
  const fingerprint = Fingerprint.new(
    FINGERPRINT_ITERATIONS,
    FINGERPRINT_VERSION,
    bytes(local.peerId.toMultihash().bytes),
    PublicKey.deserialize(bytes(local.identityKey)),
    bytes(remote.peerId.toMultihash().bytes),
    PublicKey.deserialize(bytes(remote.identityKey))
  )
  return {
    digits: fingerprint.displayableFingerprint().toString(),
    scannable: new Uint8Array(fingerprint.scannableFingerprint().toBuffer())
  }
}

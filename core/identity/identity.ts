import { randomInt } from 'node:crypto'
import { generateKeyPair, privateKeyFromProtobuf, privateKeyToProtobuf, publicKeyFromRaw } from '@libp2p/crypto/keys'
import { peerIdFromPrivateKey } from '@libp2p/peer-id'
import { IdentityKeyPair, PublicKey } from '@signalapp/libsignal-client'
import type { Ed25519PrivateKey, PeerId } from '@libp2p/interface'
import { bytes, concatBytes } from '../bytes.js'
import type { IdentityRow } from '../store/identity-repo.js'

/**
 * A device's identity: the libp2p Ed25519 key (its PeerId, which Noise
 * authenticates on every connection) and the libsignal identity key pair
 * (which end-to-end sessions authenticate), tied together by the peer key's
 * signature over the libsignal public key.
 */
export interface DeviceIdentity {
  peerKey: Ed25519PrivateKey
  peerId: PeerId
  signal: IdentityKeyPair
  registrationId: number
  bindingSignature: Uint8Array
  displayName: string
  createdAt: number
}

const BINDING_CONTEXT = new TextEncoder().encode('parley identity binding v1\0')

/** The bytes the peer key signs to vouch for a libsignal identity key. */
export function bindingMessage (signalIdentityKey: Uint8Array): Uint8Array {
  return concatBytes(BINDING_CONTEXT, signalIdentityKey)
}

/** True when `signature` is the Ed25519 key `peerPublicKey`'s binding of `signalIdentityKey`. */
export async function verifyBinding (peerPublicKey: Uint8Array, signalIdentityKey: Uint8Array, signature: Uint8Array): Promise<boolean> {
  try {
    const key = publicKeyFromRaw(peerPublicKey)
    if (key.type !== 'Ed25519') return false
    return await key.verify(bindingMessage(signalIdentityKey), signature)
  } catch {
    return false
  }
}

export async function createIdentity (displayName: string, now = Date.now()): Promise<DeviceIdentity> {
  const peerKey = await generateKeyPair('Ed25519')
  const signal = IdentityKeyPair.generate()
  const bindingSignature = await peerKey.sign(bindingMessage(signal.publicKey.serialize()))
  return {
    peerKey,
    peerId: peerIdFromPrivateKey(peerKey),
    signal,
    // libsignal registration ids are 14-bit and never 0.
    registrationId: randomInt(1, 16381),
    bindingSignature,
    displayName,
    createdAt: now
  }
}

export function identityToRow (identity: DeviceIdentity): IdentityRow {
  return {
    peerPrivateKey: privateKeyToProtobuf(identity.peerKey),
    signalIdentityKeyPair: identity.signal.serialize(),
    registrationId: identity.registrationId,
    bindingSignature: identity.bindingSignature,
    displayName: identity.displayName,
    createdAt: identity.createdAt
  }
}

export function identityFromRow (row: IdentityRow): DeviceIdentity {
  const peerKey = privateKeyFromProtobuf(row.peerPrivateKey)
  if (peerKey.type !== 'Ed25519') throw new Error(`stored peer key is ${peerKey.type}, expected Ed25519`)
  return {
    peerKey,
    peerId: peerIdFromPrivateKey(peerKey),
    signal: IdentityKeyPair.deserialize(bytes(row.signalIdentityKeyPair)),
    registrationId: row.registrationId,
    bindingSignature: row.bindingSignature,
    displayName: row.displayName,
    createdAt: row.createdAt
  }
}

/** Parses a libsignal public key, or returns undefined for bytes that are not one. */
export function parseSignalPublicKey (serialized: Uint8Array): PublicKey | undefined {
  try {
    return PublicKey.deserialize(bytes(serialized))
  } catch {
    return undefined
  }
}

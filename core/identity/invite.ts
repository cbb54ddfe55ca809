import { publicKeyFromRaw } from '@libp2p/crypto/keys'
import { peerIdFromPublicKey } from '@libp2p/peer-id'
import { multiaddr } from '@multiformats/multiaddr'
import { fromString, toString } from 'uint8arrays'
import { bytes, concatBytes } from '../bytes.js'
import { InvalidInviteError } from '../errors.js'
import { Invite as InviteMessage } from '../wire/parley.js'
import { MAX_INVITE_CHARS, MAX_INVITE_RELAYS, MAX_MULTIADDR_BYTES } from '../wire/limits.js'
import { parseSignalPublicKey, verifyBinding } from './identity.js'
import type { DeviceIdentity } from './identity.js'
import type { PeerId } from '@libp2p/interface'
import type { Multiaddr } from '@multiformats/multiaddr'

/** Invites start with this, so a pasted code is recognisable (and a link scheme). */
export const INVITE_PREFIX = 'parley:'
export const INVITE_VERSION = 1

const SIGNATURE_CONTEXT = new TextEncoder().encode('parley invite v1\0')

/** What a valid invite tells the person who holds it. */
export interface Invite {
  peerId: PeerId
  /** libsignal identity public key, serialised (33 bytes). */
  identityKey: Uint8Array
  bindingSignature: Uint8Array
  /** Circuit-capable relay addresses, each ending in `/p2p/<relay PeerId>`. */
  relays: Multiaddr[]
}

/**
 * Makes an invite code for `identity`. Relays are added in order while the
 * code stays within MAX_INVITE_CHARS; the rest are left out.
 */
export async function createInvite (identity: DeviceIdentity, relays: Multiaddr[] = []): Promise<string> {
  let best = await encodeInvite(identity, [])
  const included: Multiaddr[] = []
  for (const relay of relays.slice(0, MAX_INVITE_RELAYS)) {
    const candidate = await encodeInvite(identity, [...included, relay])
    if (candidate.length > MAX_INVITE_CHARS) break
    included.push(relay)
    best = candidate
  }
  return best
}

async function encodeInvite (identity: DeviceIdentity, relays: Multiaddr[]): Promise<string> {
  const unsigned: InviteMessage = {
    version: INVITE_VERSION,
    peerPublicKey: bytes(identity.peerKey.publicKey.raw),
    identityKey: identity.signal.publicKey.serialize(),
    bindingSignature: bytes(identity.bindingSignature),
    relays: relays.map(r => bytes(r.bytes)),
    signature: new Uint8Array(0)
  }
  const signature = await identity.peerKey.sign(signedBytes(unsigned))
  return INVITE_PREFIX + toString(InviteMessage.encode({ ...unsigned, signature: bytes(signature) }), 'base58btc')
}

/** Fields 1–5 re-encoded without the signature, with a domain prefix. */
function signedBytes (invite: InviteMessage): Uint8Array {
  const body = InviteMessage.encode({ ...invite, signature: new Uint8Array(0) })
  return concatBytes(SIGNATURE_CONTEXT, body)
}

/**
 * Parses and verifies an invite code. Every way it can be wrong gets its own
 * reason, because people paste these by hand.
 */
export async function parseInvite (code: string): Promise<Invite> {
  const text = code.trim()
  if (text.length > MAX_INVITE_CHARS) throw new InvalidInviteError(`it is longer than ${MAX_INVITE_CHARS} characters`)
  if (!text.startsWith(INVITE_PREFIX)) throw new InvalidInviteError(`it does not start with "${INVITE_PREFIX}"`)
  let payload: Uint8Array
  try {
    payload = fromString(text.slice(INVITE_PREFIX.length), 'base58btc')
  } catch {
    throw new InvalidInviteError('it contains characters that are not part of an invite (was it copied whole?)')
  }
  let invite: InviteMessage
  try {
    invite = InviteMessage.decode(payload, { limits: { relays: MAX_INVITE_RELAYS } })
  } catch {
    throw new InvalidInviteError('it is truncated or damaged')
  }
  if (invite.version !== INVITE_VERSION) throw new InvalidInviteError(`version ${invite.version} is not supported by this Parley (expected ${INVITE_VERSION})`)
  if (invite.peerPublicKey.length !== 32) throw new InvalidInviteError('it is truncated or damaged (bad peer key)')
  const identityKey = parseSignalPublicKey(invite.identityKey)
  if (identityKey == null) throw new InvalidInviteError('it is truncated or damaged (bad identity key)')
  const peerKey = publicKeyFromRaw(invite.peerPublicKey)
  if (invite.signature.length !== 64 || !(await peerKey.verify(signedBytes(invite), invite.signature))) {
    throw new InvalidInviteError('its signature does not match: it was altered or truncated')
  }
  if (!(await verifyBinding(invite.peerPublicKey, invite.identityKey, invite.bindingSignature))) {
    throw new InvalidInviteError('its identity binding signature is invalid')
  }
  const relays = invite.relays.map(raw => {
    if (raw.length > MAX_MULTIADDR_BYTES) throw new InvalidInviteError('a relay address is too long')
    try {
      const addr = multiaddr(raw)
      if (addr.getComponents().findLast(c => c.name === 'p2p') == null) throw new Error('no /p2p')
      return addr
    } catch {
      throw new InvalidInviteError('a relay address is malformed')
    }
  })
  return { peerId: peerIdFromPublicKey(peerKey), identityKey: invite.identityKey, bindingSignature: invite.bindingSignature, relays }
}

import { multiaddr } from '@multiformats/multiaddr'
import { fromString, toString } from 'uint8arrays'
import { describe, expect, it } from 'vitest'
import { createIdentity, verifyBinding } from '../../../core/identity/identity.js'
import { INVITE_PREFIX, createInvite, parseInvite } from '../../../core/identity/invite.js'
import { MAX_INVITE_CHARS } from '../../../core/wire/limits.js'
import { Invite as InviteMessage } from '../../../core/wire/parley.js'

const RELAY = multiaddr('/ip4/127.0.0.1/tcp/4001/p2p/12D3KooWDpJ7As7BWAwRMfu1VU2WCqNjvq387JEYKDBj4kx6nXTN')
const RELAY_WS = multiaddr('/ip4/127.0.0.1/tcp/4002/ws/p2p/12D3KooWDpJ7As7BWAwRMfu1VU2WCqNjvq387JEYKDBj4kx6nXTN')

describe('invite codes', () => {
  it('round-trips identity, binding and relays within the length limit', async () => {
    const identity = await createIdentity('alice')
    const code = await createInvite(identity, [RELAY])
    expect(code.startsWith(INVITE_PREFIX)).toBe(true)
    expect(code.length).toBeLessThanOrEqual(MAX_INVITE_CHARS)
    const invite = await parseInvite(code)
    expect(invite.peerId.equals(identity.peerId)).toBe(true)
    expect(invite.identityKey).toEqual(identity.signal.publicKey.serialize())
    expect(invite.relays.map(r => r.toString())).toEqual([RELAY.toString()])
    expect(await verifyBinding(identity.peerKey.publicKey.raw, invite.identityKey, invite.bindingSignature)).toBe(true)
  })

  it('leaves out relays that would push the code past the limit', async () => {
    const identity = await createIdentity('alice')
    const code = await createInvite(identity, [RELAY, RELAY_WS, RELAY, RELAY_WS])
    expect(code.length).toBeLessThanOrEqual(MAX_INVITE_CHARS)
    const invite = await parseInvite(code)
    expect(invite.relays.length).toBeGreaterThanOrEqual(1)
    expect(invite.relays.length).toBeLessThan(4)
  })

  it('rejects a code with one character changed', async () => {
    const identity = await createIdentity('alice')
    const code = await createInvite(identity, [RELAY])
    // Flip a character in the middle of the payload to another base58 digit.
    const at = INVITE_PREFIX.length + 60
    const swapped = code[at] === 'a' ? 'b' : 'a'
    const tampered = code.slice(0, at) + swapped + code.slice(at + 1)
    await expect(parseInvite(tampered)).rejects.toThrow(/invalid invite: (its signature does not match|it is truncated or damaged)/)
  })

  it('rejects a relay address swapped in by someone else', async () => {
    const identity = await createIdentity('alice')
    const code = await createInvite(identity, [RELAY])
    const decoded = InviteMessage.decode(fromString(code.slice(INVITE_PREFIX.length), 'base58btc'))
    const forged = InviteMessage.encode({ ...decoded, relays: [multiaddr('/ip4/127.0.0.9/tcp/1/p2p/12D3KooWDpJ7As7BWAwRMfu1VU2WCqNjvq387JEYKDBj4kx6nXTN').bytes] })
    await expect(parseInvite(INVITE_PREFIX + toString(forged, 'base58btc'))).rejects.toThrow('its signature does not match')
  })

  it('rejects a truncated code', async () => {
    const identity = await createIdentity('alice')
    const code = await createInvite(identity, [RELAY])
    await expect(parseInvite(code.slice(0, code.length - 20))).rejects.toThrow(/invalid invite: (it is truncated or damaged|its signature does not match)/)
  })

  it('names the reason for foreign text', async () => {
    await expect(parseInvite('hello')).rejects.toThrow('does not start with "parley:"')
    await expect(parseInvite('parley:0OIl')).rejects.toThrow('characters that are not part of an invite')
    await expect(parseInvite('parley:' + 'z'.repeat(500))).rejects.toThrow('longer than 400 characters')
  })

  it('rejects an identity key bound by a different peer key', async () => {
    const alice = await createIdentity('alice')
    const mallory = await createIdentity('mallory')
    // Mallory signs an invite that claims Alice's libsignal identity with Mallory's binding.
    const code = await createInvite({ ...mallory, signal: alice.signal }, [])
    await expect(parseInvite(code)).rejects.toThrow('identity binding signature is invalid')
  })

  it('rejects an unknown version', async () => {
    const identity = await createIdentity('alice')
    const code = await createInvite(identity, [])
    const decoded = InviteMessage.decode(fromString(code.slice(INVITE_PREFIX.length), 'base58btc'))
    const future = InviteMessage.encode({ ...decoded, version: 2 })
    await expect(parseInvite(INVITE_PREFIX + toString(future, 'base58btc'))).rejects.toThrow('version 2 is not supported')
  })
})

import { peerIdFromString } from '@libp2p/peer-id'
import { multiaddr } from '@multiformats/multiaddr'
import { errorMessage } from '../errors.js'

/** Longer than any real multiaddr with a PeerId; bounds what settings and flags store. */
export const MAX_PEER_ADDRESS_LENGTH = 512

/**
 * Why `text` cannot be dialled as a known peer's address, or undefined when
 * it can: a multiaddr that parses, with a `/p2p/` part holding a valid
 * PeerId. The multiaddr parser alone accepts any base58 there, and libp2p
 * then fails at start-up, so the PeerId is decoded here too.
 */
export function peerAddressProblem (text: string): string | undefined {
  if (text.length > MAX_PEER_ADDRESS_LENGTH) return `is longer than ${MAX_PEER_ADDRESS_LENGTH} characters`
  let components
  try {
    components = multiaddr(text).getComponents()
  } catch (err) {
    return `is not a multiaddr: ${errorMessage(err)}`
  }
  if (components.length === 0) return 'is an empty multiaddr'
  const peers = components.filter(c => c.name === 'p2p')
  if (peers.length === 0) return 'must end in /p2p/<PeerId>'
  for (const peer of peers) {
    try {
      peerIdFromString(peer.value ?? '')
    } catch {
      return `has "${peer.value ?? ''}" where a PeerId should be`
    }
  }
  return undefined
}

import type { Contact, ConversationSummary } from '../../core/api/contract.js'

/** What the views need to know about the person at the other end. */
export type PeerSummary = Pick<Contact, 'peerId' | 'name' | 'verified' | 'identityChanged' | 'state'>

/** The contact record is freshest (it has its own events); the chat list fills in until it loads. */
export function peerSummary (contact: Contact | undefined, conversation: ConversationSummary | undefined): PeerSummary | undefined {
  const source = contact ?? conversation
  if (source == null) return undefined
  const { peerId, name, verified, identityChanged, state } = source
  return { peerId, name, verified, identityChanged, state }
}

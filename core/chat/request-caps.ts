import type { Contact, ContactsRepository } from '../store/contacts-repo.js'
import type { MessagesRepository } from '../store/messages-repo.js'

/**
 * Message requests a stranger can leave before the user answers. PeerIds are
 * free and one prekey bundle lets any number of them start sessions, so
 * without these caps strangers could fill the database without end. A pending
 * request is a `request` contact the user has never written to; replying lifts
 * both caps for that contact.
 */

/** Pending requests kept at once; the first message of one more stranger is rejected. */
export const MAX_PENDING_REQUESTS = 20

/** Messages stored from one pending request; later ones are rejected until the user replies. */
export const MAX_MESSAGES_PER_REQUEST = 20

export interface RequestCapComponents {
  contacts: ContactsRepository
  messages: MessagesRepository
}

/**
 * Why a message from `peerId` (whose contact row is `contact`, if any) must
 * not be stored, or undefined when the caps allow it. Checked before
 * decrypting, so a refused stranger costs no libsignal work and leaves no row.
 */
export function requestCapProblem (c: RequestCapComponents, peerId: string, contact: Contact | undefined): string | undefined {
  if (contact == null) {
    if (c.contacts.countPendingRequests() >= MAX_PENDING_REQUESTS) return `request_limit: the recipient has ${MAX_PENDING_REQUESTS} unanswered message requests`
    return undefined
  }
  if (!c.contacts.isPendingRequest(peerId)) return undefined
  if (c.messages.incomingCount(peerId) >= MAX_MESSAGES_PER_REQUEST) return `request_limit: the recipient has not answered your first ${MAX_MESSAGES_PER_REQUEST} messages`
  return undefined
}

import type { Contact } from '../store/contacts-repo.js'
import type { MessageStatus, StoredMessage } from '../store/messages-repo.js'

export interface MessageStatusChange {
  id: string
  peerId: string
  /** `sent` is reported live only; the database keeps `queued` until the ack. */
  status: MessageStatus
  error?: string
}

/** Everything the engine announces. The API contract re-exports these. */
export interface ChatEvents {
  message: CustomEvent<StoredMessage>
  messageStatus: CustomEvent<MessageStatusChange>
  contact: CustomEvent<Contact>
}

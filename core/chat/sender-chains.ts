import { equalBytes } from '../bytes.js'
import { GENESIS_HASH } from './content.js'
import type { MessagesRepository, NewMessage } from '../store/messages-repo.js'

/**
 * Stores a peer's message in the right one of its sender's chains
 * (docs/protocol.md, "Sender chains"). A sender that lost its conversation
 * state numbers its messages again from an earlier point; its new messages
 * are kept as a new chain beside the old one, so neither chain loses a link
 * and a number is still never reused within a chain.
 *
 * - seq 1 on the genesis hash, from a sender we hold messages of: it lost
 *   the conversation (removed and re-added us, reset) and starts again.
 * - a number taken in the chain it would join, on a message that follows one we
 *   hold (its prev_hash is that message's hash): it went back to an older
 *   state (a restored backup) and carries on from there.
 * - any other taken number is refused: an honest sender never makes one.
 */
export function storeInSenderChain (messages: MessagesRepository, message: NewMessage, receivedAt: number): 'stored' | 'duplicate' | 'seq_taken' {
  if (messages.has(message.id)) return 'duplicate'
  if (startsAgain(message) && messages.hasIncomingFrom(message.conversationId, message.sender)) {
    messages.insertIncomingOnNewChain(message, receivedAt)
    return 'stored'
  }
  const result = messages.insertIncoming(message, receivedAt)
  if (result === 'seq_taken' && messages.followsHeldMessage(message)) {
    messages.insertIncomingOnNewChain(message, receivedAt)
    return 'stored'
  }
  return result
}

function startsAgain (message: NewMessage): boolean {
  return message.seq === 1 && equalBytes(message.prevHash, GENESIS_HASH)
}

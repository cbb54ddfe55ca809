import type { MessageStatusChange } from './events.js'
import type { Sessions } from '../e2ee/session.js'
import type { ParleyDatabase } from '../store/database.js'
import type { MessagesRepository } from '../store/messages-repo.js'

/**
 * Fresh sessions one message may be encrypted for after the recipient could
 * not decrypt it. One is what a lost session needs; the second covers a race
 * (the recipient reset again meanwhile). A recipient that cannot open a
 * message even then is broken or hostile, and the message fails.
 */
export const MAX_SESSION_RESETS = 2

export const UNDECRYPTABLE_ERROR = 'the recipient could not decrypt it, even on a fresh session'

export interface SessionRecoveryComponents {
  db: ParleyDatabase
  sessions: Sessions
  messages: MessagesRepository
}

/**
 * The sender's side of an `Ack{NO_SESSION}`: the recipient has no session
 * that opens our ciphertext (it lost its state, or ours went back in time).
 * We retire our session, forget every queued ciphertext of that peer and let
 * the outbox start a new session from a fresh bundle, then encrypt the same
 * stored Content again. The message id does not change, so the recipient
 * stores it once whatever it already has.
 */
export class SessionRecovery {
  /** Resets per queued message; kept in memory, so a restart grants a hostile peer at most this many more. */
  private readonly resets = new Map<string, number>()

  constructor (private readonly c: SessionRecoveryComponents) {}

  /**
   * Call once the stream is drained, with the ids answered NO_SESSION.
   * Returns the messages that failed for good, for the caller to announce.
   */
  async recover (peerId: string, lost: string[]): Promise<MessageStatusChange[]> {
    const failed = await this.c.db.write(async () => {
      let retired = false
      const exhausted: string[] = []
      for (const id of lost) {
        const ciphertext = this.c.messages.queuedCiphertext(id)
        if (ciphertext == null) continue
        // Only the session that made this ciphertext is retired: one the peer started since is good.
        if (!retired) retired = await this.c.sessions.archiveIfCurrent(peerId, ciphertext)
        const count = (this.resets.get(id) ?? 0) + 1
        if (count > MAX_SESSION_RESETS) exhausted.push(id)
        else this.resets.set(id, count)
      }
      this.c.messages.setStatus(exhausted, 'failed', UNDECRYPTABLE_ERROR)
      this.c.messages.removeFromOutbox(exhausted)
      // Whatever else is queued may come from the same session: encrypt it all again, in order, under the next one.
      this.c.messages.clearCiphertexts(peerId)
      return exhausted
    })
    for (const id of [...this.resets.keys()]) {
      if (!this.c.messages.isQueued(id)) this.resets.delete(id)
    }
    return failed.map(id => ({ id, peerId, status: 'failed', error: UNDECRYPTABLE_ERROR }))
  }
}

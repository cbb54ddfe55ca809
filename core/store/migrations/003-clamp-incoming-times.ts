import type { Migration } from './index.js'

/**
 * A peer's message is ordered by its sender's clock, which the receiver now
 * clamps to the time it arrived (MessagesRepository.insertIncoming). Rows
 * stored before that keep a sender's future date and would stay at the bottom
 * of their conversation, and the conversation at the top of the list, for
 * ever: clamp them the same way.
 */
export const migration003ClampIncomingTimes: Migration = {
  version: 3,
  name: 'clamp-incoming-times',
  up (sql) {
    sql.exec(`
      UPDATE messages SET sent_at = received_at
        WHERE outgoing = 0 AND received_at IS NOT NULL AND sent_at > received_at;
    `)
  }
}

import type { Migration } from './index.js'

/**
 * A sender that lost its conversation state (removed and re-added us,
 * restored a backup) numbers its messages again from an earlier point. Its
 * new messages form another chain, kept beside the first instead of being
 * refused: sequence numbers are unique per chain, no longer per sender.
 */
export const migration004SenderChains: Migration = {
  version: 4,
  name: 'sender-chains',
  up (sql) {
    sql.exec(`
      -- Which of the sender's chains in the conversation the message is in,
      -- numbered from 0 in the order this device first saw them. Local only:
      -- the chain itself is the prev_hash links. History so far is chain 0.
      ALTER TABLE messages ADD COLUMN chain INTEGER NOT NULL DEFAULT 0;
      DROP INDEX messages_by_sender_seq;
      -- seq before chain: finding the message a new one follows is one seek.
      CREATE UNIQUE INDEX messages_by_sender_seq_chain ON messages(conversation_id, sender, seq, chain);
    `)
  }
}

import type { Migration } from './index.js'

/** Full-text search over message text, unread flags on messages, and the user's settings. */
export const migration002SearchUnreadSettings: Migration = {
  version: 2,
  name: 'search-unread-settings',
  up (sql) {
    sql.exec(`
      -- An external-content index: the text lives only in messages.body_text,
      -- the index holds tokens. remove_diacritics 2 lets "resume" find "résumé".
      -- messages has no INTEGER PRIMARY KEY, so its rowids may change on
      -- VACUUM: whoever adds a VACUUM must 'rebuild' this index after it.
      CREATE VIRTUAL TABLE messages_fts USING fts5(
        body_text,
        content = 'messages',
        content_rowid = 'rowid',
        tokenize = 'unicode61 remove_diacritics 2'
      );
      -- An external-content index learns of changes only through triggers;
      -- 'delete' needs the old text to know which tokens to drop.
      CREATE TRIGGER messages_fts_insert AFTER INSERT ON messages BEGIN
        INSERT INTO messages_fts (rowid, body_text) VALUES (new.rowid, new.body_text);
      END;
      CREATE TRIGGER messages_fts_delete AFTER DELETE ON messages BEGIN
        INSERT INTO messages_fts (messages_fts, rowid, body_text) VALUES ('delete', old.rowid, old.body_text);
      END;
      CREATE TRIGGER messages_fts_update AFTER UPDATE OF body_text ON messages BEGIN
        INSERT INTO messages_fts (messages_fts, rowid, body_text) VALUES ('delete', old.rowid, old.body_text);
        INSERT INTO messages_fts (rowid, body_text) VALUES (new.rowid, new.body_text);
      END;
      -- Index the history stored before this version.
      INSERT INTO messages_fts (messages_fts) VALUES ('rebuild');

      -- Existing history counts as read: upgrading must not flood every conversation with badges.
      ALTER TABLE messages ADD COLUMN unread INTEGER NOT NULL DEFAULT 0;
      -- Few messages are unread at a time, so a partial index stays small and
      -- counts them without touching the rest.
      CREATE INDEX messages_unread ON messages(conversation_id) WHERE unread = 1;

      -- One row per setting; the value is JSON, checked against a schema when read.
      CREATE TABLE settings (key TEXT PRIMARY KEY, value TEXT NOT NULL) STRICT;
    `)
  }
}

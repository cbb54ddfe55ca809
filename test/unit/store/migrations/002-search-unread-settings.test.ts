import { afterEach, describe, expect, it } from 'vitest'
import { migrate, schemaVersion } from '../../../../core/store/migrations/index.js'
import { tempSqlConnection } from '../../../helpers/temp.js'
import type { SqlConnection } from '../../../../core/store/sql-connection.js'

const dirs: Array<{ remove: () => void }> = []
afterEach(() => { for (const d of dirs.splice(0)) d.remove() })

function rawDatabase (): SqlConnection {
  return tempSqlConnection(dirs)
}

/** A contact, its conversation and two messages, written against the version-1 schema. */
function insertVersion1History (sql: SqlConnection): void {
  sql.prepare("INSERT INTO contacts (peer_id, name, identity_key, state, created_at) VALUES ('peer', 'Ana', x'00', 'accepted', 0)").run()
  sql.prepare("INSERT INTO conversations (id, peer_id, created_at) VALUES ('conv', 'peer', 0)").run()
  const message = sql.prepare(`INSERT INTO messages (id, conversation_id, sender, outgoing, seq, prev_hash, content_hash, content, body_text, sent_at, received_at, status)
    VALUES (?, 'conv', 'peer', 0, ?, x'00', x'00', x'00', ?, ?, ?, 'received')`)
  message.run('m1', 1, 'Le café est prêt', 1000, 1001)
  message.run('m2', 2, 'see you tomorrow', 2000, 2001)
}

function matching (sql: SqlConnection, query: string): string[] {
  const rows = sql.prepare(`SELECT m.id FROM messages_fts JOIN messages m ON m.rowid = messages_fts.rowid
    WHERE messages_fts MATCH ? ORDER BY m.id`).all(query) as Array<{ id: string }>
  return rows.map(row => row.id)
}

function names (sql: SqlConnection, type: string): string[] {
  return (sql.prepare('SELECT name FROM sqlite_master WHERE type = ?').all(type) as Array<{ name: string }>).map(row => row.name)
}

function messageColumns (sql: SqlConnection): string[] {
  return (sql.prepare('PRAGMA table_info(messages)').all() as Array<{ name: string }>).map(column => column.name)
}

describe('migration 002 (search, unread, settings)', () => {
  it('indexes the history already stored, ignoring case and diacritics', () => {
    const sql = rawDatabase()
    migrate(sql, 1)
    insertVersion1History(sql)
    migrate(sql, 2)
    expect(schemaVersion(sql)).toBe(2)
    expect(matching(sql, 'cafe')).toEqual(['m1'])
    expect(matching(sql, 'PRET')).toEqual(['m1'])
    expect(matching(sql, 'tomor*')).toEqual(['m2'])
    sql.close()
  })

  it('keeps the index in step with inserts, edits and deletes', () => {
    const sql = rawDatabase()
    migrate(sql, 1)
    insertVersion1History(sql)
    migrate(sql, 2)
    sql.prepare(`INSERT INTO messages (id, conversation_id, sender, outgoing, seq, prev_hash, content_hash, content, body_text, sent_at, status)
      VALUES ('m3', 'conv', 'me', 1, 1, x'00', x'00', x'00', 'another coffee?', 3000, 'queued')`).run()
    expect(matching(sql, 'coffee')).toEqual(['m3'])
    sql.prepare("UPDATE messages SET body_text = 'tea instead' WHERE id = 'm3'").run()
    expect(matching(sql, 'coffee')).toEqual([])
    expect(matching(sql, 'tea')).toEqual(['m3'])
    // A status change must not touch the index (the trigger is on body_text only).
    sql.prepare("UPDATE messages SET status = 'sent' WHERE id = 'm3'").run()
    expect(matching(sql, 'tea')).toEqual(['m3'])
    sql.prepare("DELETE FROM messages WHERE id = 'm3'").run()
    expect(matching(sql, 'tea')).toEqual([])
    // Cascaded deletes reach the index too.
    sql.prepare("DELETE FROM contacts WHERE peer_id = 'peer'").run()
    expect(matching(sql, 'cafe')).toEqual([])
    // 'integrity-check' with rank 1 compares the index against the messages table itself.
    expect(() => sql.prepare("INSERT INTO messages_fts (messages_fts, rank) VALUES ('integrity-check', 1)").run()).not.toThrow()
    sql.close()
  })

  it('adds the unread column (old messages count as read), its index and the settings table', () => {
    const sql = rawDatabase()
    migrate(sql, 1)
    insertVersion1History(sql)
    migrate(sql, 2)
    expect(messageColumns(sql)).toContain('unread')
    expect(sql.prepare('SELECT count(*) AS n FROM messages WHERE unread = 0').get()).toMatchObject({ n: 2 })
    expect(names(sql, 'index')).toContain('messages_unread')
    expect(names(sql, 'table')).toEqual(expect.arrayContaining(['messages_fts', 'settings']))
    sql.prepare('INSERT INTO settings (key, value) VALUES (?, ?)').run('theme', '"dark"')
    expect(() => sql.prepare('INSERT INTO settings (key, value) VALUES (?, ?)').run('theme', '"light"')).toThrow(/UNIQUE/)
    // STRICT: a value that is not text is refused, not stored as whatever it was.
    expect(() => sql.prepare('INSERT INTO settings (key, value) VALUES (?, ?)').run('blob', Buffer.from([1]))).toThrow(/cannot store BLOB/)
    expect(() => sql.prepare('INSERT INTO settings (key, value) VALUES (?, ?)').run('missing', null)).toThrow(/NOT NULL/)
    sql.close()
  })

  it('rolls back completely when it fails, and runs cleanly once the cause is gone', () => {
    const sql = rawDatabase()
    migrate(sql, 1)
    insertVersion1History(sql)
    // A table in the way of the migration's last statement.
    sql.exec('CREATE TABLE settings (blocker INTEGER)')
    expect(() => { migrate(sql, 2) }).toThrow(/migration 2/)
    expect(schemaVersion(sql)).toBe(1)
    expect(names(sql, 'table')).not.toContain('messages_fts')
    expect(names(sql, 'trigger')).toEqual([])
    expect(messageColumns(sql)).not.toContain('unread')

    sql.exec('DROP TABLE settings')
    migrate(sql, 2)
    expect(schemaVersion(sql)).toBe(2)
    expect(matching(sql, 'cafe')).toEqual(['m1'])
    sql.close()
  })
})

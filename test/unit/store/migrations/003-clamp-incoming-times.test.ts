import { afterEach, describe, expect, it } from 'vitest'
import { LATEST_VERSION, MIGRATIONS, migrate, schemaVersion } from '../../../../core/store/migrations/index.js'
import { tempSqlConnection } from '../../../helpers/temp.js'
import type { SqlConnection } from '../../../../core/store/sql-connection.js'

const dirs: Array<{ remove: () => void }> = []
afterEach(() => { for (const d of dirs.splice(0)) d.remove() })

function rawDatabase (): SqlConnection {
  return tempSqlConnection(dirs)
}

const YEAR_2100 = Date.UTC(2100, 0, 1)

function sentAt (sql: SqlConnection): Record<string, number> {
  const rows = sql.prepare('SELECT id, sent_at FROM messages ORDER BY id').all() as Array<{ id: string, sent_at: number }>
  return Object.fromEntries(rows.map(row => [row.id, row.sent_at]))
}

describe('migration 003 (clamp incoming times)', () => {
  it('clamps a peer\'s future-dated messages to when they arrived, and leaves every other time alone', () => {
    const sql = rawDatabase()
    migrate(sql, 2)
    sql.prepare("INSERT INTO contacts (peer_id, name, identity_key, state, created_at) VALUES ('peer', 'Ana', x'00', 'accepted', 0)").run()
    sql.prepare("INSERT INTO conversations (id, peer_id, created_at) VALUES ('conv', 'peer', 0)").run()
    const message = sql.prepare(`INSERT INTO messages (id, conversation_id, sender, outgoing, seq, prev_hash, content_hash, content, body_text, sent_at, received_at, status)
      VALUES (?, 'conv', ?, ?, ?, x'00', x'00', x'00', 'text', ?, ?, ?)`)
    message.run('future', 'peer', 0, 1, YEAR_2100, 5000, 'received')
    message.run('backdated', 'peer', 0, 2, 1000, 6000, 'received')
    message.run('honest', 'peer', 0, 3, 6999, 7000, 'received')
    // Our own messages have no received_at; their time is ours.
    message.run('ours', 'me', 1, 1, YEAR_2100, null, 'delivered')

    migrate(sql)
    expect(schemaVersion(sql)).toBe(LATEST_VERSION)
    expect(sentAt(sql)).toEqual({ future: 5000, backdated: 1000, honest: 6999, ours: YEAR_2100 })
    // The newest message of the conversation is now the one that arrived last.
    const newest = sql.prepare("SELECT id FROM messages WHERE conversation_id = 'conv' AND outgoing = 0 ORDER BY sent_at DESC LIMIT 1").get() as { id: string }
    expect(newest.id).toBe('honest')
    sql.close()
  })

  it('is registered in version order with no gaps, so every database runs each migration once', () => {
    const versions = MIGRATIONS.map(m => m.version)
    expect(versions).toEqual([...versions].sort((a, b) => a - b))
    expect(new Set(versions).size).toBe(versions.length)
    expect(versions).toEqual(versions.map((_, i) => i + 1))
  })
})

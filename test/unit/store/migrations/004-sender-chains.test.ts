import { afterEach, describe, expect, it } from 'vitest'
import { LATEST_VERSION, MIGRATIONS, migrate, schemaVersion } from '../../../../core/store/migrations/index.js'
import { tempSqlConnection } from '../../../helpers/temp.js'
import type { SqlConnection } from '../../../../core/store/sql-connection.js'

const dirs: Array<{ remove: () => void }> = []
afterEach(() => { for (const d of dirs.splice(0)) d.remove() })

function rawDatabase (): SqlConnection {
  return tempSqlConnection(dirs)
}

function insertMessage (sql: SqlConnection, id: string, seq: number, chain?: number): void {
  const columns = chain == null ? '' : ', chain'
  const values = chain == null ? '' : `, ${chain}`
  sql.prepare(`INSERT INTO messages (id, conversation_id, sender, outgoing, seq, prev_hash, content_hash, content, body_text, sent_at, received_at, status${columns})
    VALUES (?, 'conv', 'peer', 0, ?, x'00', x'00', x'00', 'text', 1000, 1001, 'received'${values})`).run(id, seq)
}

describe('migration 004 (sender chains)', () => {
  it('puts the history so far in chain 0 and lets a second chain reuse its sequence numbers, but not a chain its own', () => {
    const sql = rawDatabase()
    migrate(sql, 2)
    sql.prepare("INSERT INTO contacts (peer_id, name, identity_key, state, created_at) VALUES ('peer', 'Ana', x'00', 'accepted', 0)").run()
    sql.prepare("INSERT INTO conversations (id, peer_id, created_at) VALUES ('conv', 'peer', 0)").run()
    insertMessage(sql, 'old1', 1)
    expect(() => { insertMessage(sql, 'reused', 1) }).toThrow(/UNIQUE/)

    migrate(sql, 4)
    expect(schemaVersion(sql)).toBe(4)
    expect(sql.prepare("SELECT chain FROM messages WHERE id = 'old1'").get()).toEqual({ chain: 0 })
    insertMessage(sql, 'new1', 1, 1)
    expect(() => { insertMessage(sql, 'reused', 1, 1) }).toThrow(/UNIQUE/)
    expect(() => { insertMessage(sql, 'reused', 1, 0) }).toThrow(/UNIQUE/)
    expect(sql.prepare('SELECT count(*) AS n FROM messages').get()).toEqual({ n: 2 })
    sql.close()
  })

  it('is registered in version order, so every database runs each migration once', () => {
    const versions = MIGRATIONS.map(m => m.version)
    expect(versions).toEqual([...versions].sort((a, b) => a - b))
    expect(new Set(versions).size).toBe(versions.length)
    expect(versions).toContain(4)
    expect(LATEST_VERSION).toBe(Math.max(...versions))
  })

  it('brings a version-2 database straight to the newest version', () => {
    const sql = rawDatabase()
    migrate(sql, 2)
    migrate(sql)
    expect(schemaVersion(sql)).toBe(LATEST_VERSION)
    const columns = (sql.prepare('PRAGMA table_info(messages)').all() as Array<{ name: string }>).map(column => column.name)
    expect(columns).toContain('chain')
    sql.close()
  })
})

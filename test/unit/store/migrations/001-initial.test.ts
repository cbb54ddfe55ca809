import { afterEach, describe, expect, it } from 'vitest'
import { LATEST_VERSION, migrate, schemaVersion } from '../../../../core/store/migrations/index.js'
import { tempSqlConnection } from '../../../helpers/temp.js'
import type { SqlConnection } from '../../../../core/store/sql-connection.js'

const dirs: Array<{ remove: () => void }> = []
afterEach(() => { for (const d of dirs.splice(0)) d.remove() })

function rawDatabase (): SqlConnection {
  return tempSqlConnection(dirs, { foreignKeys: false })
}

describe('migration 001 (initial)', () => {
  it('creates the schema and records version 1', () => {
    const sql = rawDatabase()
    migrate(sql, 1)
    expect(schemaVersion(sql)).toBe(1)
    const tables = (sql.prepare("SELECT name FROM sqlite_master WHERE type = 'table' ORDER BY name").all() as Array<{ name: string }>).map(t => t.name)
    expect(tables).toEqual(expect.arrayContaining(['identity', 'contacts', 'conversations', 'messages', 'outbox', 'signal_sessions',
      'signal_identities', 'signal_prekeys', 'signal_signed_prekeys', 'signal_kyber_prekeys', 'signal_sender_keys', 'datastore']))
    sql.close()
  })

  it('enforces its constraints: one identity row, known contact states, strict types', () => {
    const sql = rawDatabase()
    migrate(sql, 1)
    const identity = sql.prepare('INSERT INTO identity (id, peer_private_key, signal_identity_key_pair, registration_id, binding_signature, created_at) VALUES (?, ?, ?, ?, ?, ?)')
    identity.run(1, Buffer.alloc(1), Buffer.alloc(1), 1, Buffer.alloc(1), 0)
    expect(() => identity.run(2, Buffer.alloc(1), Buffer.alloc(1), 1, Buffer.alloc(1), 0)).toThrow(/CHECK/)
    expect(() => sql.prepare("INSERT INTO contacts (peer_id, name, identity_key, state, created_at) VALUES ('p', 'n', x'00', 'friend', 0)").run()).toThrow(/CHECK/)
    expect(() => sql.prepare("INSERT INTO contacts (peer_id, name, identity_key, state, created_at) VALUES ('p', 'n', x'00', 'accepted', 'yesterday')").run()).toThrow()
    sql.close()
  })

  it('runs once: migrating again changes nothing', () => {
    const sql = rawDatabase()
    migrate(sql)
    sql.prepare("INSERT INTO datastore (key, value) VALUES ('/k', x'01')").run()
    migrate(sql)
    expect(schemaVersion(sql)).toBe(LATEST_VERSION)
    expect(sql.prepare('SELECT count(*) AS n FROM datastore').get()).toMatchObject({ n: 1 })
    sql.close()
  })

  it('refuses a schema newer than this build', () => {
    const sql = rawDatabase()
    migrate(sql)
    sql.pragma(`user_version = ${LATEST_VERSION + 1}`)
    expect(() => { migrate(sql) }).toThrow(/newer than this Parley/)
    sql.close()
  })
})

import { readFileSync, rmSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import Libsql from 'libsql'
import { SqlConnection } from '../../core/store/sql-connection.js'

/**
 * Turns a data directory back into the layout Parley used before SQLCipher:
 * the same rows in a libsql database encrypted with libsql's page cipher, and
 * a key.json without the `store` field. The migration must bring it back.
 */
export function downgradeToLibsql (dataDir: string, key: Uint8Array): void {
  const path = join(dataDir, 'parley.db')
  const legacyPath = join(dataDir, 'parley.db.building')
  const source = new SqlConnection(path, key)
  const legacy = new Libsql(legacyPath, { encryptionKey: Buffer.from(key).toString('hex') } as Libsql.Options)
  try {
    const schema = source.prepare("SELECT type, name, sql FROM sqlite_master WHERE sql IS NOT NULL ORDER BY rowid").all() as Array<{ type: string, name: string, sql: string }>
    const virtual = schema.filter(s => /^CREATE VIRTUAL TABLE/i.test(s.sql)).map(s => s.name)
    const shadow = (name: string): boolean => virtual.some(v => name.startsWith(`${v}_`))
    for (const entry of schema) if (!shadow(entry.name)) legacy.exec(entry.sql)
    legacy.exec('BEGIN')
    for (const { name } of schema.filter(s => s.type === 'table' && !virtual.includes(s.name) && !shadow(s.name))) {
      const rows = source.prepare(`SELECT * FROM "${name}"`).all() as Array<Record<string, unknown>>
      for (const row of rows) {
        const columns = Object.keys(row)
        legacy.prepare(`INSERT INTO "${name}" (${columns.map(c => `"${c}"`).join(', ')}) VALUES (${columns.map(() => '?').join(', ')})`).run(...columns.map(c => row[c]))
      }
    }
    legacy.exec('COMMIT')
    legacy.pragma(`user_version = ${String(source.pragmaValue('user_version'))}`)
  } finally {
    source.close()
    legacy.close()
  }
  for (const suffix of ['', '-wal', '-shm']) rmSync(`${path}${suffix}`, { force: true })
  writeFileSync(path, readFileSync(legacyPath))
  rmSync(legacyPath)
  const keyFile = JSON.parse(readFileSync(join(dataDir, 'key.json'), 'utf8')) as Record<string, unknown>
  delete keyFile.store
  writeFileSync(join(dataDir, 'key.json'), JSON.stringify(keyFile), { mode: 0o600 })
}

/** Whether the file at `path` opens with libsql's cipher and this key (that is, is still the legacy format). */
export function isLibsqlFile (path: string, key: Uint8Array): boolean {
  try {
    const db = new Libsql(path, { encryptionKey: Buffer.from(key).toString('hex') } as Libsql.Options)
    try {
      db.prepare('SELECT count(*) FROM sqlite_master').get()
      return true
    } finally {
      db.close()
    }
  } catch {
    return false
  }
}

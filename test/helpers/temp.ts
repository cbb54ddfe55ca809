import { randomBytes } from 'node:crypto'
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { ParleyDatabase } from '../../core/store/database.js'
import { SqlConnection } from '../../core/store/sql-connection.js'

/** A fresh directory under the OS temp dir; `remove()` deletes it. */
export function tempDir (label = 'parley'): { path: string, remove: () => void } {
  const path = mkdtempSync(join(tmpdir(), `${label}-`))
  return { path, remove: () => { rmSync(path, { recursive: true, force: true }) } }
}

/** A real encrypted database in a temp dir, with a random key. */
export function tempDatabase (): { db: ParleyDatabase, dir: string, key: Uint8Array, cleanup: () => Promise<void> } {
  const dir = tempDir('parley-db')
  const key = randomBytes(32)
  const db = ParleyDatabase.openWithKey(join(dir.path, 'parley.db'), key)
  return { db, dir: dir.path, key, cleanup: async () => { await db.close(); dir.remove() } }
}

/**
 * A bare SQLCipher connection with no schema, for migration tests; `dirs`
 * collects its temp dir for the test file's clean-up.
 */
export function tempSqlConnection (dirs: Array<{ remove: () => void }>, options: { foreignKeys?: boolean } = {}): SqlConnection {
  const dir = tempDir('parley-migration')
  dirs.push(dir)
  const sql = new SqlConnection(join(dir.path, 'test.db'), randomBytes(32))
  if (options.foreignKeys !== false) sql.pragma('foreign_keys = ON')
  return sql
}

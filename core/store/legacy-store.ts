import { closeSync, existsSync, fsyncSync, openSync, renameSync, rmSync } from 'node:fs'
import { join } from 'node:path'
import Libsql from 'libsql'
import { DatabaseDamagedError, ParleyError, errorMessage } from '../errors.js'
import { faultPoint } from '../fault-points.js'
import { DATABASE_FILE, LEGACY_DATABASE_FILE } from './data-dir.js'
import { migrate, schemaVersion } from './migrations/index.js'
import { SqlConnection } from './sql-connection.js'
import type { SqlValue } from './sql-connection.js'

/** The SQLCipher copy while it is being written; it becomes parley.db only once verified. */
export const MIGRATING_DATABASE_FILE = 'parley.db.migrating'

/**
 * Moves a data directory's database from libsql's page cipher (AES-CBC, no
 * MAC) to SQLCipher 4, once, in place and crash-safe:
 *
 * 1. copy every row into `parley.db.migrating` (SQLCipher, same key) and
 *    verify it: SQLite's integrity check, every page's HMAC, equal row counts;
 * 2. rename `parley.db` → `parley.db.libsql-old`, then the copy → `parley.db`;
 * 3. `markMigrated()` records the new format in key.json;
 * 4. delete the old file.
 *
 * A crash anywhere leaves either the untouched libsql file or a verified copy,
 * and the next open picks up from there. `key` is already proven right by the
 * key wrapper's AEAD, so a legacy file that does not open with it is damaged.
 */
export function migrateLegacyStore (dataDir: string, key: Uint8Array, markMigrated: () => void): void {
  const current = join(dataDir, DATABASE_FILE)
  const old = join(dataDir, LEGACY_DATABASE_FILE)
  const copy = join(dataDir, MIGRATING_DATABASE_FILE)

  if (existsSync(old)) {
    // A previous run crashed during the swap (step 2 or 3).
    if (existsSync(current) && isSoundCopy(current, key)) {
      finish(dataDir, old, markMigrated)
      return
    }
    // The copy never reached parley.db: put the original back and start over.
    rmSync(current, { force: true })
    renameSync(old, current)
    syncDir(dataDir)
  }

  removeDatabaseFiles(copy)
  const tables = copyLegacyDatabase(current, copy, key)
  verifyCopy(copy, key, tables)
  faultPoint('legacy-store:copied')
  renameSync(current, old)
  syncDir(dataDir)
  faultPoint('legacy-store:old-aside')
  renameSync(copy, current)
  syncDir(dataDir)
  faultPoint('legacy-store:swapped')
  finish(dataDir, old, markMigrated)
}

function finish (dataDir: string, old: string, markMigrated: () => void): void {
  markMigrated()
  faultPoint('legacy-store:marked')
  removeDatabaseFiles(old)
  syncDir(dataDir)
}

/** Row counts of the tables copied, to check the copy against. */
type TableCounts = Map<string, number>

function copyLegacyDatabase (source: string, target: string, key: Uint8Array): TableCounts {
  let legacy: Libsql.Database
  try {
    legacy = new Libsql(source, { encryptionKey: Buffer.from(key).toString('hex') } as Libsql.Options)
    legacy.prepare('SELECT count(*) FROM sqlite_master').get()
  } catch (err) {
    throw new DatabaseDamagedError(source, err)
  }
  const counts: TableCounts = new Map()
  const copy = new SqlConnection(target, key)
  try {
    // Fold libsql's WAL into its file so the file alone holds every row before it is moved aside.
    legacy.pragma('journal_mode = DELETE')
    const version = (legacy.prepare('PRAGMA user_version').get() as { user_version: number }).user_version
    // The copy gets the schema the legacy file had, from the same migrations;
    // the newer ones run on it afterwards like on any other database.
    migrate(copy, version)
    copy.pragma('foreign_keys = OFF')
    copy.exec('BEGIN IMMEDIATE')
    for (const table of ordinaryTables(legacy)) {
      const columns = (copy.pragma(`table_info(${quote(table)})`) as Array<{ name: string }>).map(c => c.name)
      const insert = copy.prepare(`INSERT INTO ${quote(table)} (${columns.map(quote).join(', ')}) VALUES (${columns.map(() => '?').join(', ')})`)
      let n = 0
      for (const row of legacy.prepare(`SELECT ${columns.map(quote).join(', ')} FROM ${quote(table)}`).iterate() as Iterable<Record<string, unknown>>) {
        insert.run(...columns.map(column => sqlValue(row[column])))
        n++
      }
      counts.set(table, n)
    }
    copy.exec('COMMIT')
  } catch (err) {
    copy.close()
    removeDatabaseFiles(target)
    if (err instanceof ParleyError) throw err
    throw new DatabaseDamagedError(source, err)
  } finally {
    legacy.close()
  }
  copy.close()
  return counts
}

function verifyCopy (path: string, key: Uint8Array, expected: TableCounts): void {
  if (!isSoundCopy(path, key, expected)) {
    removeDatabaseFiles(path)
    throw new ParleyError('internal', `the SQLCipher copy of the database did not verify; ${DATABASE_FILE} is unchanged`)
  }
}

/** The file opens with `key`, every page authenticates, SQLite finds it sound and (when given) every table has its rows. */
function isSoundCopy (path: string, key: Uint8Array, expected?: TableCounts): boolean {
  let sql: SqlConnection | undefined
  try {
    sql = new SqlConnection(path, key)
    schemaVersion(sql)
    if (sql.pragma('cipher_integrity_check').length > 0) return false
    if (sql.pragmaValue('integrity_check') !== 'ok') return false
    for (const [table, n] of expected ?? []) {
      const row = sql.prepare(`SELECT count(*) AS n FROM ${quote(table)}`).get() as { n: number }
      if (row.n !== n) return false
    }
    return true
  } catch (err) {
    if (err instanceof DatabaseDamagedError) return false
    throw new ParleyError('internal', `checking ${path} failed: ${errorMessage(err)}`, { cause: err })
  } finally {
    sql?.close()
  }
}

/** Tables that hold rows of their own: not SQLite's, not virtual, not a full-text index's shadow tables (rebuilt by triggers). */
function ordinaryTables (legacy: Libsql.Database): string[] {
  const rows = legacy.prepare("SELECT name, sql FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%'").all() as Array<{ name: string, sql: string }>
  const virtual = rows.filter(r => /^CREATE VIRTUAL TABLE/i.test(r.sql)).map(r => r.name)
  return rows
    .filter(r => !virtual.includes(r.name) && !virtual.some(v => r.name.startsWith(`${v}_`)))
    .map(r => r.name)
}

function sqlValue (value: unknown): SqlValue {
  if (value == null) return null
  if (typeof value === 'string' || typeof value === 'number' || value instanceof Uint8Array) return value
  if (value instanceof ArrayBuffer) return new Uint8Array(value)
  if (typeof value === 'bigint') return Number(value)
  throw new ParleyError('internal', `unexpected ${typeof value} value in the legacy database`)
}

function quote (identifier: string): string {
  return `"${identifier.replaceAll('"', '""')}"`
}

function removeDatabaseFiles (path: string): void {
  for (const suffix of ['', '-wal', '-shm', '-journal']) rmSync(`${path}${suffix}`, { force: true })
}

/** Makes renames in `dir` durable: a rename is only on disk once its directory is. */
function syncDir (dir: string): void {
  const fd = openSync(dir, 'r')
  try {
    fsyncSync(fd)
  } finally {
    closeSync(fd)
  }
}

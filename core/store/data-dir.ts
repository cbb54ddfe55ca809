import { existsSync, statSync } from 'node:fs'
import { join } from 'node:path'
import { DatabaseDamagedError } from '../errors.js'

export const DATABASE_FILE = 'parley.db'
export const KEY_FILE = 'key.json'
/** The libsql database, kept while its SQLCipher copy is made and verified (legacy-store.ts). */
export const LEGACY_DATABASE_FILE = 'parley.db.libsql-old'

/**
 * `empty`: no identity was ever made here (onboarding may make one).
 * `initialised`: the key file and a database are there (opening checks them).
 */
export type DataDirState = 'empty' | 'initialised'

/**
 * Says what a data directory holds, before anything in it is opened. A
 * directory with only part of an identity (a key file without its database,
 * an empty or missing database, a database without its key file) is damaged:
 * starting afresh there would make a new identity over the old one, so it is
 * refused and nothing is written.
 */
export function inspectDataDir (dataDir: string): DataDirState {
  const keyFile = existsSync(join(dataDir, KEY_FILE))
  const database = nonEmpty(join(dataDir, DATABASE_FILE)) || nonEmpty(join(dataDir, LEGACY_DATABASE_FILE))
  const anyDatabaseFile = database || existsSync(join(dataDir, DATABASE_FILE)) || existsSync(join(dataDir, `${DATABASE_FILE}-wal`))
  if (!keyFile && !anyDatabaseFile) return 'empty'
  if (!keyFile) {
    throw new DatabaseDamagedError(dataDir, new Error(`${KEY_FILE} is missing, and without it ${DATABASE_FILE} cannot be opened`))
  }
  if (!database) {
    const what = existsSync(join(dataDir, DATABASE_FILE)) ? 'is empty' : 'is missing'
    throw new DatabaseDamagedError(dataDir, new Error(`${DATABASE_FILE} ${what}, so the identity it held is gone`))
  }
  return 'initialised'
}

function nonEmpty (path: string): boolean {
  try {
    return statSync(path).size > 0
  } catch {
    return false
  }
}

import { ParleyError } from '../../errors.js'
import { migration001Initial } from './001-initial.js'
import { migration002SearchUnreadSettings } from './002-search-unread-settings.js'
import { migration003ClampIncomingTimes } from './003-clamp-incoming-times.js'
import { migration004SenderChains } from './004-sender-chains.js'
import type { SqlConnection } from '../sql-connection.js'

/** One schema change. `up` runs inside a transaction with the version bump. */
export interface Migration {
  version: number
  name: string
  up: (sql: SqlConnection) => void
}

/**
 * In order of version; append only. A released migration is never edited.
 * `migrate` runs each one whose version the database has not reached.
 */
export const MIGRATIONS: readonly Migration[] = [
  migration001Initial,
  migration002SearchUnreadSettings,
  migration003ClampIncomingTimes,
  migration004SenderChains
]

/** The schema version this build brings a database to. */
export const LATEST_VERSION = MIGRATIONS[MIGRATIONS.length - 1].version

export function schemaVersion (sql: SqlConnection): number {
  const version = sql.pragmaValue('user_version')
  if (typeof version !== 'number' || !Number.isInteger(version)) {
    throw new ParleyError('internal', `unreadable schema version: ${String(version)}`)
  }
  return version
}

/**
 * Brings the schema to the newest version, one migration per transaction.
 * `target` (a version) stops early: tests use it to check each step on its own.
 */
export function migrate (sql: SqlConnection, target = LATEST_VERSION): void {
  const current = schemaVersion(sql)
  if (current > LATEST_VERSION) {
    throw new ParleyError('internal', `the database schema (v${current}) is newer than this Parley (v${LATEST_VERSION}); update Parley`)
  }
  for (const migration of MIGRATIONS.filter(m => m.version > current && m.version <= target)) {
    sql.exec('BEGIN IMMEDIATE')
    try {
      migration.up(sql)
      sql.pragma(`user_version = ${migration.version}`)
      sql.exec('COMMIT')
    } catch (err) {
      sql.exec('ROLLBACK')
      throw new ParleyError('internal', `migration ${migration.version} (${migration.name}) failed`, { cause: err })
    }
  }
}

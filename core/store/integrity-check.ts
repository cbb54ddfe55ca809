import { join } from 'node:path'
import { DatabaseDamagedError, ParleyError, errorMessage } from '../errors.js'
import { DATABASE_FILE, inspectDataDir } from './data-dir.js'
import { unwrapDatabaseKey } from './database.js'
import { STORE_FORMAT } from './key-wrapper.js'
import { SqlConnection } from './sql-connection.js'
import type { KeyWrapper } from './key-wrapper.js'

/** What `parley check` found. */
export interface IntegrityReport {
  sound: boolean
  /** Pages in the file. */
  pages: number
  /** Pages whose HMAC does not match: changed since SQLCipher wrote them. */
  damagedPages: number[]
  /** Tables with a row that cannot be read. */
  damagedTables: string[]
  /** SQLite's own findings (`PRAGMA integrity_check`), and anything that stopped the check early. */
  problems: string[]
}

const PAGE_IN_MESSAGE = /page (\d+)/i

/**
 * Checks a stopped data directory without changing it: every page's
 * authentication tag (`cipher_integrity_check`), SQLite's structural check,
 * and a full read of every table, which names the tables a damaged page
 * belongs to. The caller holds the directory's lock.
 */
export async function checkDataDir (dataDir: string, wrapper: KeyWrapper): Promise<IntegrityReport> {
  inspectDataDir(dataDir)
  const { keyFile, key } = await unwrapDatabaseKey(dataDir, wrapper)
  if (keyFile.store !== STORE_FORMAT) {
    throw new ParleyError('invalid_params', `${dataDir} still has the database format of an earlier Parley: start Parley once to move it, then check again`)
  }
  const path = join(dataDir, DATABASE_FILE)
  const report: IntegrityReport = { sound: true, pages: 0, damagedPages: [], damagedTables: [], problems: [] }
  // Each step on a connection of its own: once SQLCipher meets a page that
  // fails its check, that connection refuses everything after it.
  const step = <T>(fn: (sql: SqlConnection) => T): T | undefined => attempt(report, () => withConnection(path, key, fn))
  report.pages = Number(step(sql => sql.pragmaValue('page_count')) ?? 0)
  const tables = step(sql => sql.prepare("SELECT name FROM sqlite_master WHERE type = 'table'").all() as Array<{ name: string }>) ?? []
  for (const row of step(sql => sql.pragma('cipher_integrity_check') as Array<Record<string, unknown>>) ?? []) {
    const text = String(Object.values(row)[0])
    const page = PAGE_IN_MESSAGE.exec(text)?.[1]
    if (page != null) report.damagedPages.push(Number(page))
    else report.problems.push(text)
  }
  const problemsBefore = report.problems.length
  const integrity = step(sql => sql.pragma('integrity_check') as Array<{ integrity_check: string }>)
  if (integrity == null) report.problems.splice(problemsBefore, 1, `SQLite's own integrity check stopped early (${report.problems[problemsBefore] ?? 'no reason given'})`)
  for (const row of integrity ?? []) {
    if (row.integrity_check !== 'ok') report.problems.push(row.integrity_check)
  }
  for (const { name } of tables) {
    const problems = report.problems.length
    step(sql => sql.prepare(`SELECT * FROM "${name.replaceAll('"', '""')}"`).all())
    if (report.problems.length > problems) {
      // The table's own failure names it; its message repeats what the page check said.
      report.problems.length = problems
      report.damagedTables.push(name)
    }
  }
  report.sound = report.damagedPages.length === 0 && report.damagedTables.length === 0 && report.problems.length === 0
  return report
}

function withConnection<T> (path: string, key: Uint8Array, fn: (sql: SqlConnection) => T): T {
  const sql = new SqlConnection(path, key)
  try {
    // Nothing here may write: a check of a restored backup must leave it as it was.
    sql.pragma('query_only = ON')
    return fn(sql)
  } finally {
    sql.close()
  }
}

/**
 * Runs one step of the check; a failure SQLite reports is recorded and the
 * check goes on with the next step. (On a damaged file SQLite's own check can
 * fail with a plain SQLITE_ERROR, from inside the full-text index.)
 */
function attempt<T> (report: IntegrityReport, step: () => T): T | undefined {
  try {
    return step()
  } catch (err) {
    if (err instanceof DatabaseDamagedError) report.problems.push(errorMessage(err.cause))
    else if (isSqliteError(err)) report.problems.push(errorMessage(err))
    else throw err
    return undefined
  }
}

function isSqliteError (err: unknown): boolean {
  return typeof err === 'object' && err != null && String((err as { code?: unknown }).code).startsWith('SQLITE_')
}

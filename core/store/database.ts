import { randomBytes } from 'node:crypto'
import { mkdirSync, readFileSync, rmSync } from 'node:fs'
import { join } from 'node:path'
import { DatabaseDamagedError, ParleyError } from '../errors.js'
import { writePrivateFileAtomic } from '../private-file.js'
import { DATABASE_FILE, KEY_FILE, LEGACY_DATABASE_FILE, inspectDataDir } from './data-dir.js'
import { DATABASE_KEY_BYTES, STORE_FORMAT, keyFileSchema } from './key-wrapper.js'
import { migrateLegacyStore } from './legacy-store.js'
import { migrate } from './migrations/index.js'
import { SqlConnection } from './sql-connection.js'
import type { KeyFile, KeyWrapper } from './key-wrapper.js'
import type { SqlStatement } from './sql-connection.js'

export { DATABASE_FILE, KEY_FILE } from './data-dir.js'

/** A burst larger than this is split over several transactions, to bound how long one holds the lock. */
const MAX_WRITES_PER_TRANSACTION = 512

/**
 * The pragmas every connection runs with. WAL with synchronous=FULL: a
 * committed row survives power loss, so an ack sent after commit is never a
 * lie. secure_delete: a removed contact's history is overwritten, not left in
 * free pages. A test asserts these (durability depends on them).
 */
export const CONNECTION_PRAGMAS: ReadonlyArray<readonly [name: string, value: string]> = [
  ['journal_mode', 'WAL'],
  ['synchronous', 'FULL'],
  ['secure_delete', 'ON'],
  ['foreign_keys', 'ON']
]

interface PendingWrite {
  fn: () => unknown
  resolve: (value: unknown) => void
  reject: (reason: unknown) => void
}

export interface OpenDatabaseOptions {
  /** Make the key and the database when the directory has none; otherwise fail with `not_initialised`. */
  create?: boolean
}

/**
 * The engine's one SQLite connection, encrypted and authenticated at rest
 * (SQLCipher 4).
 *
 * Writes go through `write()`, which serialises them into IMMEDIATE
 * transactions: libsignal's stores are async, so a decrypt and the row it
 * produces must commit together or not at all, and no other writer may slip
 * in while a transaction awaits. Concurrent writes share one commit.
 *
 * A `write()` callback must not call `write()` again: the inner call would
 * wait for the transaction it runs in. Code meant to run inside a write
 * takes no transaction of its own (repositories say so where it matters).
 * Joining nested calls would need AsyncLocalStorage, whose promise hooks
 * cost a simulation with dozens of engines a third of its CPU.
 */
export class ParleyDatabase {
  readonly sql: SqlConnection
  private readonly queue: PendingWrite[] = []
  private draining: Promise<void> | undefined
  private closed = false
  private readonly statements = new Map<string, SqlStatement>()
  /** True while a callback runs its synchronous part: a `write()` then is a nested call, refused. */
  private insideCallback = false

  private constructor (sql: SqlConnection) {
    this.sql = sql
  }

  /**
   * Opens `<dataDir>/parley.db`. The key is unwrapped before the database
   * file is touched, so a wrong passphrase changes nothing on disk. A data
   * directory with some of its files missing is refused, never replaced.
   */
  static async open (dataDir: string, wrapper: KeyWrapper, options: OpenDatabaseOptions = {}): Promise<ParleyDatabase> {
    const keyPath = join(dataDir, KEY_FILE)
    const state = inspectDataDir(dataDir)
    if (state === 'empty') {
      if (options.create !== true) throw new ParleyError('not_initialised', `no Parley identity in ${dataDir} (run "parley init --data ${dataDir}")`)
      mkdirSync(dataDir, { recursive: true, mode: 0o700 })
      const key = randomBytes(DATABASE_KEY_BYTES)
      const keyFile: KeyFile = { ...await wrapper.wrap(key), store: STORE_FORMAT }
      writePrivateFileAtomic(keyPath, JSON.stringify(keyFile, null, 2))
      return ParleyDatabase.openWithKey(join(dataDir, DATABASE_FILE), key)
    }
    const { keyFile, key } = await unwrapDatabaseKey(dataDir, wrapper)
    if (keyFile.store !== STORE_FORMAT) {
      migrateLegacyStore(dataDir, key, () => { writePrivateFileAtomic(keyPath, JSON.stringify({ ...keyFile, store: STORE_FORMAT }, null, 2)) })
    }
    const db = ParleyDatabase.openWithKey(join(dataDir, DATABASE_FILE), key)
    // A migration that crashed after key.json was updated leaves the old file behind.
    rmSync(join(dataDir, LEGACY_DATABASE_FILE), { force: true })
    return db
  }

  /**
   * Opens (or creates) an encrypted database file with a raw key. The key is
   * already known to be right (the wrapper's AEAD proved it), so a file that
   * does not open with it is damaged, not locked.
   */
  static openWithKey (path: string, key: Uint8Array): ParleyDatabase {
    const sql = new SqlConnection(path, key)
    try {
      // The first read checks page 1's HMAC: a damaged header shows up here.
      sql.prepare('SELECT count(*) FROM sqlite_master').get()
      for (const [name, value] of CONNECTION_PRAGMAS) sql.pragma(`${name} = ${value}`)
      migrate(sql)
    } catch (err) {
      sql.close()
      throw err
    }
    return new ParleyDatabase(sql)
  }

  /** A prepared statement, compiled once per connection: preparing costs more than running. */
  statement (source: string): SqlStatement {
    if (this.closed) throw new ParleyError('internal', 'the database is closed')
    let prepared = this.statements.get(source)
    if (prepared == null) {
      prepared = this.sql.prepare(source)
      this.statements.set(source, prepared)
    }
    return prepared
  }

  /**
   * Runs `fn` inside an IMMEDIATE transaction and resolves after COMMIT, so
   * whatever `fn` wrote is durable by then. Writes requested while another
   * transaction is open are grouped into the next one (group commit): each
   * runs in its own savepoint, so one that throws is undone alone, and a burst
   * costs one fsync instead of one per write. Never call it from inside
   * another write's callback (see the class comment).
   */
  async write<T> (fn: () => T | Promise<T>): Promise<T> {
    // Only the synchronous part of a callback can be caught here; an inner
    // write after an await would wait forever, so tests cover those paths.
    if (this.insideCallback) throw new ParleyError('internal', 'write() called inside a write() callback')
    if (this.closed) throw new ParleyError('internal', 'the database is closed')
    return await new Promise<T>((resolve, reject) => {
      this.queue.push({ fn, resolve: resolve as (value: unknown) => void, reject })
      this.draining ??= this.drain().finally(() => { this.draining = undefined })
    })
  }

  private async drain (): Promise<void> {
    while (this.queue.length > 0) {
      const group = this.queue.splice(0, MAX_WRITES_PER_TRANSACTION)
      const outcomes: Array<{ ok: true, value: unknown } | { ok: false, error: unknown }> = []
      let begun = false
      try {
        this.sql.exec('BEGIN IMMEDIATE')
        begun = true
        for (const write of group) {
          this.sql.exec('SAVEPOINT write')
          try {
            const value = await this.runCallback(write.fn)
            this.sql.exec('RELEASE write')
            outcomes.push({ ok: true, value })
          } catch (error) {
            this.sql.exec('ROLLBACK TO write')
            this.sql.exec('RELEASE write')
            outcomes.push({ ok: false, error })
          }
        }
        this.sql.exec('COMMIT')
      } catch (error) {
        // BEGIN or COMMIT failed (disk full, I/O error, a damaged page): nothing in the group is durable.
        if (begun) rollbackQuietly(this.sql)
        for (const write of group) write.reject(error)
        continue
      }
      group.forEach((write, i) => {
        const outcome = outcomes[i]
        if (outcome.ok) write.resolve(outcome.value)
        else write.reject(outcome.error)
      })
    }
  }

  private async runCallback<T> (fn: () => T | Promise<T>): Promise<T> {
    this.insideCallback = true
    let result: T | Promise<T>
    try {
      result = fn()
    } finally {
      this.insideCallback = false
    }
    return await result
  }

  /** Waits for pending writes, then closes the file. */
  async close (): Promise<void> {
    while (this.draining != null) await this.draining
    if (this.closed) return
    this.closed = true
    this.statements.clear()
    // Leaving WAL mode folds the log back into the file at once, so a closed
    // data dir is one complete file and stays byte-for-byte still afterwards.
    try {
      this.sql.pragma('journal_mode = DELETE')
    } finally {
      this.sql.close()
    }
  }
}

/** Reads `key.json` and unwraps the database key; a wrong passphrase throws `WrongPassphraseError` and touches nothing. */
export async function unwrapDatabaseKey (dataDir: string, wrapper: KeyWrapper): Promise<{ keyFile: KeyFile, key: Uint8Array }> {
  const keyFile = readKeyFile(join(dataDir, KEY_FILE))
  return { keyFile, key: await wrapper.unwrap(keyFile) }
}

function readKeyFile (path: string): KeyFile {
  let json: unknown
  try {
    json = JSON.parse(readFileSync(path, 'utf8'))
  } catch (err) {
    throw new DatabaseDamagedError(path, err)
  }
  const parsed = keyFileSchema.safeParse(json)
  if (!parsed.success) throw new DatabaseDamagedError(path, new Error(parsed.error.issues[0]?.message ?? 'bad format'))
  return parsed.data
}

function rollbackQuietly (sql: SqlConnection): void {
  try {
    sql.exec('ROLLBACK')
  } catch {
    // COMMIT may have failed after SQLite already rolled back; nothing is open then.
  }
}

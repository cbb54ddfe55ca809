import { randomBytes } from 'node:crypto'
import { existsSync, mkdirSync, readFileSync } from 'node:fs'
import { join } from 'node:path'
import Libsql from 'libsql'
import { ParleyError, WrongPassphraseError } from '../errors.js'
import { writePrivateFileAtomic } from '../private-file.js'
import { DATABASE_KEY_BYTES, wrappedKeySchema } from './key-wrapper.js'
import type { KeyWrapper } from './key-wrapper.js'
import { migrate } from './migrations/index.js'

export const DATABASE_FILE = 'parley.db'
export const KEY_FILE = 'key.json'

type SqlDatabase = Libsql.Database

/** A burst larger than this is split over several transactions, to bound how long one holds the lock. */
const MAX_WRITES_PER_TRANSACTION = 512

interface PendingWrite {
  fn: () => unknown
  resolve: (value: unknown) => void
  reject: (reason: unknown) => void
}
type EncryptedOptions = Libsql.Options & { encryptionKey: string }

export interface OpenDatabaseOptions {
  /** Make the key and the database when the directory has none; otherwise fail with `not_initialised`. */
  create?: boolean
}

/**
 * The engine's one SQLite connection, encrypted at rest.
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
 * cost a simulation with dozens of engines a third of its CPU on Node 20.
 */
export class ParleyDatabase {
  readonly sql: SqlDatabase
  private readonly queue: PendingWrite[] = []
  private draining: Promise<void> | undefined
  private closed = false
  private readonly statements = new Map<string, Libsql.Statement>()
  /** True while a callback runs its synchronous part: a `write()` then is a nested call, refused. */
  private insideCallback = false

  private constructor (sql: SqlDatabase) {
    this.sql = sql
  }

  /**
   * Opens `<dataDir>/parley.db`. The key is unwrapped before the database
   * file is touched, so a wrong passphrase changes nothing on disk.
   */
  static async open (dataDir: string, wrapper: KeyWrapper, options: OpenDatabaseOptions = {}): Promise<ParleyDatabase> {
    const keyPath = join(dataDir, KEY_FILE)
    let key: Uint8Array
    if (existsSync(keyPath)) {
      const parsed = wrappedKeySchema.safeParse(JSON.parse(readFileSync(keyPath, 'utf8')))
      if (!parsed.success) throw new ParleyError('internal', `${keyPath} is damaged: ${parsed.error.issues[0]?.message ?? 'bad format'}`)
      key = await wrapper.unwrap(parsed.data)
    } else if (options.create === true) {
      mkdirSync(dataDir, { recursive: true, mode: 0o700 })
      key = randomBytes(DATABASE_KEY_BYTES)
      writePrivateFileAtomic(keyPath, JSON.stringify(await wrapper.wrap(key), null, 2))
    } else {
      throw new ParleyError('not_initialised', `no Parley identity in ${dataDir} (run "parley init --data ${dataDir}")`)
    }
    return ParleyDatabase.openWithKey(join(dataDir, DATABASE_FILE), key)
  }

  /** Opens (or creates) an encrypted database file with a raw key. */
  static openWithKey (path: string, key: Uint8Array): ParleyDatabase {
    const options: EncryptedOptions = { encryptionKey: Buffer.from(key).toString('hex') }
    const sql = new Libsql(path, options)
    try {
      // The first read is where a wrong key shows up ("file is not a database").
      sql.prepare('SELECT count(*) FROM sqlite_master').get()
    } catch (err) {
      sql.close()
      throw new WrongPassphraseError(`the database key does not open ${path}: ${String(err)}`)
    }
    // WAL with synchronous=FULL: a committed row survives power loss, so an ack
    // sent after commit is never a lie.
    sql.pragma('journal_mode = WAL')
    sql.pragma('synchronous = FULL')
    sql.pragma('foreign_keys = ON')
    const db = new ParleyDatabase(sql)
    migrate(sql)
    return db
  }

  /** A prepared statement, compiled once per connection: preparing costs more than running. */
  statement (source: string): Libsql.Statement {
    // libsql aborts the whole process on use after close; fail this call instead.
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
      try {
        this.sql.exec('BEGIN IMMEDIATE')
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
        // BEGIN or COMMIT failed (disk full, I/O error): nothing in the group is durable.
        if (this.sql.inTransaction) this.sql.exec('ROLLBACK')
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
    this.closed = true
    this.statements.clear()
    if (!this.sql.open) return
    // libsql finalises statements only when they are garbage-collected, and the
    // file is really closed (and the WAL folded back in) only then. Leaving WAL
    // mode now folds it in at once, so a closed data dir is complete and stays
    // byte-for-byte still afterwards.
    try {
      this.sql.pragma('journal_mode = DELETE')
    } finally {
      this.sql.close()
    }
  }
}

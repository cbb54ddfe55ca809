import { AsyncLocalStorage } from 'node:async_hooks'
import { randomBytes } from 'node:crypto'
import { existsSync, mkdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import Libsql from 'libsql'
import { ParleyError, WrongPassphraseError } from '../errors.js'
import { DATABASE_KEY_BYTES, wrappedKeySchema } from './key-wrapper.js'
import type { KeyWrapper } from './key-wrapper.js'
import { migrate } from './migrations/index.js'

export const DATABASE_FILE = 'parley.db'
export const KEY_FILE = 'key.json'

type SqlDatabase = Libsql.Database
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
 * in while a transaction awaits.
 */
export class ParleyDatabase {
  readonly sql: SqlDatabase
  private tail: Promise<unknown> = Promise.resolve()
  /** Set inside a `write()` callback's async context, so nested writes join it. */
  private readonly transactionScope = new AsyncLocalStorage<true>()

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
      writeFileAtomic(keyPath, JSON.stringify(await wrapper.wrap(key), null, 2))
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

  /**
   * Runs `fn` inside one IMMEDIATE transaction, after every earlier write has
   * finished. Nested calls join the outer transaction.
   */
  async write<T> (fn: () => T | Promise<T>): Promise<T> {
    if (this.transactionScope.getStore() === true) return await fn()
    const run = async (): Promise<T> => await this.transactionScope.run(true, async () => {
      this.sql.exec('BEGIN IMMEDIATE')
      try {
        const result = await fn()
        this.sql.exec('COMMIT')
        return result
      } catch (err) {
        if (this.sql.inTransaction) this.sql.exec('ROLLBACK')
        throw err
      }
    })
    const result = this.tail.then(run, run)
    this.tail = result.catch(() => undefined)
    return await result
  }

  /** Waits for pending writes, then closes the file. */
  async close (): Promise<void> {
    await this.tail
    if (this.sql.open) this.sql.close()
  }
}

function writeFileAtomic (path: string, text: string): void {
  const tmp = `${path}.tmp`
  writeFileSync(tmp, text, { mode: 0o600 })
  renameSync(tmp, path)
}

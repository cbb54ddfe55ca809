import SqlCipher, { setLogger } from '@signalapp/sqlcipher'
import { DatabaseDamagedError, ParleyError } from '../errors.js'
import type { Statement } from '@signalapp/sqlcipher'

/** A value SQLite stores: booleans and bigints are not accepted (SQLCipher refuses them), so callers pass 0/1. */
export type SqlValue = string | number | null | Uint8Array

/**
 * A compiled statement with positional parameters, the shape the repositories
 * use. Rows are `unknown` until the caller states their shape; BLOBs come
 * back as `Buffer` (a `Uint8Array`).
 */
export interface SqlStatement {
  run: (...params: SqlValue[]) => { changes: number, lastInsertRowid: number }
  get: (...params: SqlValue[]) => unknown
  all: (...params: SqlValue[]) => unknown[]
}

/** SQLite result codes that mean the file's bytes are not what was written. */
const DAMAGE_CODES = new Set(['SQLITE_CORRUPT', 'SQLITE_NOTADB'])

/** Whether `err` is SQLite saying the file is damaged (a page failed its HMAC, or the structure is broken). */
export function isDamageError (err: unknown): boolean {
  return typeof err === 'object' && err != null && DAMAGE_CODES.has(String((err as { code?: unknown }).code))
}

// SQLCipher logs every failed page check to stderr; those lines say nothing a
// user can act on, and the error each call throws carries the cause instead.
setLogger(() => {})

/**
 * One SQLCipher 4 connection (AES-256-CBC with a random IV per page write and
 * an HMAC-SHA512 per page) opened with a raw 256-bit key, so SQLCipher's own
 * passphrase KDF is skipped: the key wrapper has done that work already.
 *
 * Reads and writes that hit a damaged page throw `DatabaseDamagedError`, never
 * a wrong value: the HMAC check runs on every page SQLite loads.
 */
export class SqlConnection {
  private readonly native: SqlCipher
  private closed = false

  constructor (readonly path: string, key: Uint8Array) {
    if (key.length !== 32) throw new ParleyError('internal', 'the database key must be 32 bytes')
    this.native = new SqlCipher(path)
    // The key must be set before anything reads the file. A raw key in x'…'
    // form bypasses SQLCipher's PBKDF2.
    this.native.pragma(`key = "x'${Buffer.from(key).toString('hex')}'"`)
    this.native.pragma('cipher_log_level = NONE')
  }

  get open (): boolean {
    return !this.closed
  }

  prepare (source: string): SqlStatement {
    const statement = this.guard(() => this.native.prepare(source))
    return {
      run: (...params) => this.guard(() => statement.run(bind(params))),
      get: (...params) => this.guard(() => statement.get(bind(params))),
      all: (...params) => this.guard(() => statement.all(bind(params)))
    }
  }

  exec (source: string): void {
    this.guard(() => { this.native.exec(source) })
  }

  /** Runs a pragma and returns its rows. */
  pragma (source: string): unknown[] {
    return this.guard(() => this.native.pragma(source))
  }

  /** The first column of the pragma's first row. */
  pragmaValue (source: string): unknown {
    return this.guard(() => this.native.pragma(source, { simple: true }))
  }

  close (): void {
    if (this.closed) return
    this.closed = true
    this.native.close()
  }

  private guard<T> (fn: () => T): T {
    if (this.closed) throw new ParleyError('internal', 'the database is closed')
    try {
      return fn()
    } catch (err) {
      if (isDamageError(err)) throw new DatabaseDamagedError(this.path, err)
      throw err
    }
  }
}

type NativeParams = Parameters<Statement['run']>[0]

function bind (params: SqlValue[]): NativeParams {
  // SQLCipher's binding types ask for Uint8Array<ArrayBuffer>; every Uint8Array binds the same way.
  return params as NativeParams
}

import type { AbortOptions } from '@libp2p/interface'
import { BaseDatastore } from 'datastore-core'
import { Key } from 'interface-datastore'
import type { Batch, KeyQuery, Pair, Query } from 'interface-datastore'
import { NotFoundError } from 'interface-store'
import type { ParleyDatabase } from './database.js'

/** Rows read per statement while a query is iterated. */
const PAGE_SIZE = 100

/** The part of a query that SQL answers: a key prefix, and an offset and limit in key order. */
interface Range {
  prefix?: string
  offset?: number
  limit?: number
}

/**
 * libp2p's datastore in the `datastore` table, so what the peer store learns
 * (addresses above all) survives a restart. Writes go through `db.write()`;
 * reads run on the connection directly.
 */
export class SqlDatastore extends BaseDatastore {
  private readonly db: ParleyDatabase

  constructor (db: ParleyDatabase) {
    super()
    this.db = db
  }

  override async put (key: Key, val: Uint8Array, options?: AbortOptions): Promise<Key> {
    options?.signal?.throwIfAborted()
    await this.db.write(() => { this.upsert(key, val) })
    return key
  }

  /** Throws `NotFoundError` (what libp2p's peer store checks for) when the key is missing. */
  override get (key: Key, options?: AbortOptions): Uint8Array {
    options?.signal?.throwIfAborted()
    const row = this.db.statement('SELECT value FROM datastore WHERE key = ?').get(key.toString()) as { value: ArrayBuffer } | undefined
    if (row == null) throw new NotFoundError(`no datastore entry for ${key.toString()}`)
    return new Uint8Array(row.value)
  }

  override has (key: Key, options?: AbortOptions): boolean {
    options?.signal?.throwIfAborted()
    return this.db.statement('SELECT 1 FROM datastore WHERE key = ?').get(key.toString()) != null
  }

  override async delete (key: Key, options?: AbortOptions): Promise<void> {
    options?.signal?.throwIfAborted()
    await this.db.write(() => { this.remove(key) })
  }

  /** A batch whose puts, then deletes, commit in one transaction. */
  override batch (): Batch {
    const puts: Pair[] = []
    const deletes: Key[] = []
    return {
      put (key, value) { puts.push({ key, value }) },
      delete (key) { deletes.push(key) },
      commit: async (options?: AbortOptions) => {
        options?.signal?.throwIfAborted()
        await this.db.write(() => {
          for (const { key, value } of puts) this.upsert(key, value)
          for (const key of deletes) this.remove(key)
          // Emptied inside the transaction: a failed commit keeps its operations for a retry.
          puts.length = 0
          deletes.length = 0
        })
      }
    }
  }

  override query (q: Query, options?: AbortOptions): Generator<Pair> | AsyncGenerator<Pair> {
    // Offset and limit count after filters and orders, which only JS can run:
    // then BaseDatastore applies everything but the prefix over `_all`.
    return inSql(q) ? this.pairs(q, options) : super.query(q, options)
  }

  override queryKeys (q: KeyQuery, options?: AbortOptions): Generator<Key> | AsyncGenerator<Key> {
    return inSql(q) ? this.keys(q, options) : super.queryKeys(q, options)
  }

  override _all (q: Query, options?: AbortOptions): Generator<Pair> {
    return this.pairs({ prefix: q.prefix }, options)
  }

  override _allKeys (q: KeyQuery, options?: AbortOptions): Generator<Key> {
    return this.keys({ prefix: q.prefix }, options)
  }

  private * pairs (range: Range, options?: AbortOptions): Generator<Pair> {
    for (const row of this.select<{ key: string, value: ArrayBuffer }>('key, value', range, options)) {
      yield { key: new Key(row.key), value: new Uint8Array(row.value) }
    }
  }

  private * keys (range: Range, options?: AbortOptions): Generator<Key> {
    for (const row of this.select<{ key: string }>('key', range, options)) yield new Key(row.key)
  }

  /**
   * Yields `columns` of the rows in `range`, in key order. Reading a page per
   * statement keeps no cursor open while the consumer awaits (it may write to
   * the store between rows), and each page resumes after the last key seen.
   */
  private * select<Row extends { key: string }> (columns: string, range: Range, options?: AbortOptions): Generator<Row> {
    const prefix = range.prefix ?? ''
    let offset = range.offset ?? 0
    let remaining = range.limit ?? Infinity
    let after: string | undefined
    while (remaining > 0) {
      options?.signal?.throwIfAborted()
      const size = Math.min(PAGE_SIZE, remaining)
      // Keys starting with `prefix` sort from `prefix` up to `prefix` + 0xff: no
      // UTF-8 byte is 0xff, so the index bounds the range exactly, wildcards or not.
      const rows = this.db.statement(`
        SELECT ${columns} FROM datastore
        WHERE key ${after == null ? '>=' : '>'} ? AND key < ? || CAST(x'ff' AS TEXT)
        ORDER BY key LIMIT ? OFFSET ?
      `).all(after ?? prefix, prefix, size, offset) as Row[]
      yield * rows
      const last = rows.at(-1)
      if (last == null || rows.length < size) return
      after = last.key
      offset = 0
      remaining -= rows.length
    }
  }

  private upsert (key: Key, value: Uint8Array): void {
    this.db.statement('INSERT INTO datastore (key, value) VALUES (?, ?) ON CONFLICT (key) DO UPDATE SET value = excluded.value')
      .run(key.toString(), value)
  }

  private remove (key: Key): void {
    this.db.statement('DELETE FROM datastore WHERE key = ?').run(key.toString())
  }
}

/** Whether SQL can answer the whole query: no JS filters or orders. */
function inSql (q: Query | KeyQuery): boolean {
  return (q.filters?.length ?? 0) === 0 && (q.orders?.length ?? 0) === 0
}

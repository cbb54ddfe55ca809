import { randomBytes } from 'node:crypto'
import { mkdtempSync, rmSync } from 'node:fs'
import { register } from 'node:module'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { Key } from 'interface-datastore'
import { afterAll, afterEach, beforeAll, beforeEach, chai, describe, expect, it } from 'vitest'
import { ParleyDatabase } from '../../../core/store/database.js'
import { SqlDatastore } from '../../../core/store/datastore.js'
import { WriteBehindDatastore } from '../../../core/store/write-behind-datastore.js'

// interface-datastore-tests is written for mocha under aegir: it calls the
// global describe/it/before/after, uses `this.timeout()` in one test, and
// imports `expect` from 'aegir/chai' (chai with chai-as-promised and
// chai-parentheses), a package it does not depend on and that is not
// installed. vitest loads the suite with Node's own loader, so `vi.mock`
// cannot reach that import: a resolve hook maps it to a module that hands
// out the `aegirExpect` below, and the mocha globals map onto vitest's.

interface MochaContext { timeout: (ms: number) => void }
type Hook = () => unknown

Object.assign(globalThis, {
  describe,
  it: (name: string, fn: (this: MochaContext) => unknown) => it(name, async () => { await fn.call({ timeout () {} }) }),
  before: (fn: Hook) => beforeAll(async () => { await fn() }),
  after: (fn: Hook) => afterAll(async () => { await fn() }),
  beforeEach: (fn: Hook) => beforeEach(async () => { await fn() }),
  afterEach: (fn: Hook) => afterEach(async () => { await fn() }),
  parleyAegirExpect: aegirExpect
})

// chai-parentheses: the suite writes `.to.be.true()`, `.to.not.exist()`.
chai.use((api, utils) => {
  for (const name of ['true', 'false', 'exist']) {
    const property = Object.getOwnPropertyDescriptor(api.Assertion.prototype, name)
    if (property?.get == null) throw new Error(`chai has no .${name} assertion`)
    Reflect.deleteProperty(api.Assertion.prototype, name)
    api.Assertion.addMethod(name, function (message?: string) {
      if (message != null) utils.flag(this, 'message', message)
      property.get?.call(this)
    })
  }
})

const aegirChai = `data:text/javascript,${encodeURIComponent('export const expect = globalThis.parleyAegirExpect')}`
register(`data:text/javascript,${encodeURIComponent(`
  export async function resolve (specifier, context, next) {
    return specifier === 'aegir/chai' ? { url: ${JSON.stringify(aegirChai)}, shortCircuit: true } : next(specifier, context)
  }
`)}`)
const { interfaceDatastoreTests } = await import('interface-datastore-tests')

/** aegir's `expect`: chai's, and for a promise the `.eventually` form. */
function aegirExpect (value: unknown, message?: string): unknown {
  return value instanceof Promise ? eventually(value) : chai.expect(value, message)
}

/**
 * Enough of chai-as-promised for the suite's
 * `expect(p).to.eventually.be.rejected.with.property('message').that.include('abort')`:
 * records the chain and, once awaited, replays it on what `p` settled to;
 * `rejected` (or `fulfilled`) checks how it settled.
 */
function eventually (promise: Promise<unknown>): unknown {
  const steps: Array<{ name: PropertyKey, args?: unknown[] }> = []
  const replay = async (): Promise<void> => {
    const outcome = await promise.then((value) => ({ rejected: false, value }), (reason: unknown) => ({ rejected: true, value: reason }))
    let assertion: unknown = chai.expect(outcome.value)
    for (const { name, args } of steps) {
      if (name === 'eventually') continue
      if (name === 'rejected' || name === 'fulfilled') {
        chai.assert.strictEqual(outcome.rejected, name === 'rejected', `expected the promise to be ${name}`)
        continue
      }
      const next: unknown = Reflect.get(assertion as object, name)
      assertion = args == null ? next : Reflect.apply(next as (...args: unknown[]) => unknown, assertion, args)
    }
  }
  const recorder: object = new Proxy(() => {}, {
    get (_target, name) {
      if (name === 'then') {
        const done = replay()
        return done.then.bind(done)
      }
      steps.push({ name })
      return recorder
    },
    apply (_target, _this, args: unknown[]) {
      const last = steps.at(-1)
      if (last != null) last.args = args
      return recorder
    }
  })
  return recorder
}

/** A store on a fresh encrypted database in its own temp directory. */
function openStore (): { store: SqlDatastore, db: ParleyDatabase, close: () => Promise<void> } {
  const dir = mkdtempSync(join(tmpdir(), 'parley-datastore-'))
  const db = ParleyDatabase.openWithKey(join(dir, 'parley.db'), randomBytes(32))
  return {
    store: new SqlDatastore(db),
    db,
    close: async () => {
      await db.close()
      rmSync(dir, { recursive: true, force: true })
    }
  }
}

/** Rows really committed to the SQLite file. */
function committedKeys (db: ParleyDatabase): string[] {
  return (db.sql.prepare('SELECT key FROM datastore ORDER BY key').all() as Array<{ key: string }>).map(r => r.key)
}

async function collect<T> (source: Iterable<T> | AsyncIterable<T>): Promise<T[]> {
  const items: T[] = []
  for await (const item of source) items.push(item)
  return items
}

describe('SqlDatastore', () => {
  describe('interface-datastore compliance', () => {
    const closers = new Map<SqlDatastore, () => Promise<void>>()
    interfaceDatastoreTests({
      setup () {
        const { store, close } = openStore()
        closers.set(store, close)
        return store
      },
      async teardown (store) {
        await closers.get(store)?.()
        closers.delete(store)
      }
    })
  })

  it('keeps its values when the database is closed and reopened with the same key', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'parley-datastore-'))
    const path = join(dir, 'parley.db')
    const key = randomBytes(32)
    try {
      const db = ParleyDatabase.openWithKey(path, key)
      const store = new SqlDatastore(db)
      await store.put(new Key('/peers/a'), Uint8Array.from([1, 2, 3]))
      const batch = store.batch()
      batch.put(new Key('/peers/b'), Uint8Array.from([4]))
      batch.put(new Key('/other/c'), Uint8Array.from([5]))
      await batch.commit()
      await db.close()

      const reopened = ParleyDatabase.openWithKey(path, key)
      try {
        const again = new SqlDatastore(reopened)
        expect(again.get(new Key('/peers/a'))).toEqual(Uint8Array.from([1, 2, 3]))
        expect(await collect(again.query({ prefix: '/peers/' }))).toEqual([
          { key: new Key('/peers/a'), value: Uint8Array.from([1, 2, 3]) },
          { key: new Key('/peers/b'), value: Uint8Array.from([4]) }
        ])
        expect(again.has(new Key('/other/c'))).toBe(true)
      } finally {
        await reopened.close()
      }
    } finally {
      rmSync(dir, { recursive: true, force: true })
    }
  })

  it('answers prefix, offset and limit in SQL across pages, wildcards included', async () => {
    const { store, close } = openStore()
    try {
      const batch = store.batch()
      for (let i = 0; i < 250; i++) batch.put(new Key(`/a_/${String(i).padStart(3, '0')}`), Uint8Array.from([i]))
      batch.put(new Key('/ab/x'), Uint8Array.from([0]))
      batch.put(new Key('/a%/y'), Uint8Array.from([0]))
      await batch.commit()

      const keys = await collect(store.queryKeys({ prefix: '/a_/', offset: 5, limit: 210 }))
      expect(keys.map(k => k.toString())).toEqual(Array.from({ length: 210 }, (_, i) => `/a_/${String(i + 5).padStart(3, '0')}`))
      expect(await collect(store.query({ prefix: '/a_' }))).toHaveLength(250)
      expect((await collect(store.queryKeys({ prefix: '/a%' }))).map(k => k.toString())).toEqual(['/a%/y'])
    } finally {
      await close()
    }
  })
})

describe('WriteBehindDatastore', () => {
  describe('interface-datastore compliance (over SqlDatastore)', () => {
    const closers = new Map<WriteBehindDatastore, () => Promise<void>>()
    interfaceDatastoreTests({
      setup () {
        const { store, close } = openStore()
        const writeBehind = new WriteBehindDatastore(store, { flushIntervalMs: 5 })
        closers.set(writeBehind, async () => {
          await writeBehind.close()
          await close()
        })
        return writeBehind
      },
      async teardown (store) {
        await closers.get(store)?.()
        closers.delete(store)
      }
    })
  })

  it('answers reads from memory and commits the writes together after the interval', async () => {
    const { store, db, close } = openStore()
    const writeBehind = new WriteBehindDatastore(store, { flushIntervalMs: 50 })
    try {
      await store.put(new Key('/peers/gone'), Uint8Array.from([9]))
      const buffer = Uint8Array.from([1])
      writeBehind.put(new Key('/peers/a'), buffer)
      buffer[0] = 7
      writeBehind.put(new Key('/peers/b'), Uint8Array.from([2]))
      writeBehind.delete(new Key('/peers/gone'))

      expect(committedKeys(db)).toEqual(['/peers/gone'])
      expect(await writeBehind.get(new Key('/peers/a'))).toEqual(Uint8Array.from([1]))
      expect(await writeBehind.has(new Key('/peers/gone'))).toBe(false)
      await expect(writeBehind.get(new Key('/peers/gone'))).rejects.toThrow(/no datastore entry/)

      await new Promise(resolve => setTimeout(resolve, 200))
      expect(committedKeys(db)).toEqual(['/peers/a', '/peers/b'])
    } finally {
      await writeBehind.close()
      await close()
    }
  })

  it('commits what it holds before a query, so the query sees it', async () => {
    const { store, db, close } = openStore()
    const writeBehind = new WriteBehindDatastore(store, { flushIntervalMs: 60_000 })
    try {
      writeBehind.put(new Key('/peers/a'), Uint8Array.from([1]))
      writeBehind.put(new Key('/dht/x'), Uint8Array.from([2]))
      const keys = await collect(writeBehind.queryKeys({ prefix: '/peers/' }))
      expect(keys.map(k => k.toString())).toEqual(['/peers/a'])
      expect(committedKeys(db)).toEqual(['/dht/x', '/peers/a'])
    } finally {
      await writeBehind.close()
      await close()
    }
  })

  it('commits at once when too many keys are held', async () => {
    const { store, db, close } = openStore()
    const writeBehind = new WriteBehindDatastore(store, { flushIntervalMs: 60_000, maxPendingKeys: 3 })
    try {
      for (const name of ['a', 'b', 'c']) writeBehind.put(new Key(`/peers/${name}`), Uint8Array.from([1]))
      await writeBehind.flush()
      expect(committedKeys(db)).toHaveLength(3)
    } finally {
      await writeBehind.close()
      await close()
    }
  })

  it('keeps writes whose commit failed and commits them next time; close() commits and then refuses writes', async () => {
    const { store, db, close } = openStore()
    const errors: string[] = []
    const writeBehind = new WriteBehindDatastore(store, { flushIntervalMs: 60_000, onFlushError: (m) => { errors.push(m) } })
    try {
      writeBehind.put(new Key('/peers/a'), Uint8Array.from([1]))
      // A trigger that rejects every insert makes the commit fail for real.
      db.sql.exec(`CREATE TEMP TRIGGER refuse BEFORE INSERT ON datastore BEGIN SELECT RAISE(ABORT, 'disk says no'); END`)
      await expect(writeBehind.flush()).rejects.toThrow(/disk says no/)
      expect(committedKeys(db)).toEqual([])
      expect(await writeBehind.get(new Key('/peers/a'))).toEqual(Uint8Array.from([1]))

      db.sql.exec('DROP TRIGGER refuse')
      writeBehind.put(new Key('/peers/b'), Uint8Array.from([2]))
      await writeBehind.close()
      expect(committedKeys(db)).toEqual(['/peers/a', '/peers/b'])
      expect(() => writeBehind.put(new Key('/peers/c'), Uint8Array.from([3]))).toThrow(/closed/)
    } finally {
      await close()
    }
  })
})

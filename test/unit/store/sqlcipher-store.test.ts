import { randomBytes } from 'node:crypto'
import { readFileSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { afterEach, describe, expect, it } from 'vitest'
import { CONNECTION_PRAGMAS, ParleyDatabase } from '../../../core/store/database.js'
import { tempDir } from '../../helpers/temp.js'

const dirs: Array<{ remove: () => void }> = []
afterEach(() => { for (const d of dirs.splice(0)) d.remove() })

/** SQLCipher 4's default page size; page 1 starts with the file's 16-byte salt. */
const PAGE_SIZE = 4096

function dbPath (): string {
  const dir = tempDir('parley-sqlcipher')
  dirs.push(dir)
  return join(dir.path, 'parley.db')
}

async function writeRow (path: string, key: Uint8Array, value: string): Promise<void> {
  const db = ParleyDatabase.openWithKey(path, key)
  await db.write(() => { db.sql.prepare('INSERT INTO settings (key, value) VALUES (?, ?)').run('k', value) })
  await db.close()
}

describe('the SQLCipher store', () => {
  it('runs every connection with WAL, synchronous=FULL, secure_delete and foreign keys', async () => {
    const db = ParleyDatabase.openWithKey(dbPath(), randomBytes(32))
    try {
      // The values SQLite reports back, not the ones asked for: a pragma it ignores would show here.
      expect(db.sql.pragmaValue('journal_mode')).toBe('wal')
      expect(db.sql.pragmaValue('synchronous')).toBe(2) // FULL
      expect(db.sql.pragmaValue('secure_delete')).toBe(1)
      expect(db.sql.pragmaValue('foreign_keys')).toBe(1)
      expect(String(db.sql.pragmaValue('cipher_version'))).toMatch(/^4\./)
      expect(CONNECTION_PRAGMAS.map(([name]) => name)).toEqual(['journal_mode', 'synchronous', 'secure_delete', 'foreign_keys'])
    } finally {
      await db.close()
    }
  })

  it('writes no plaintext, and the same key and row give different files (random IVs)', async () => {
    const key = randomBytes(32)
    const [a, b] = [dbPath(), dbPath()]
    await writeRow(a, key, 'a very recognisable secret value')
    await writeRow(b, key, 'a very recognisable secret value')
    const [bytesA, bytesB] = [readFileSync(a), readFileSync(b)]
    expect(bytesA.includes(Buffer.from('recognisable'))).toBe(false)
    expect(bytesA.includes(Buffer.from('SQLite format 3'))).toBe(false)
    expect(bytesA.equals(bytesB)).toBe(false)
  })

  it('reports a flipped bit as damage, with its own error code, and the process lives', async () => {
    const key = randomBytes(32)
    const path = dbPath()
    await writeRow(path, key, 'true')
    const bytes = readFileSync(path)
    // The settings table's rows live on a page after the schema: flip one bit on every page but the first.
    for (let page = 1; page * PAGE_SIZE < bytes.length; page++) bytes[page * PAGE_SIZE + 100] ^= 0x01
    writeFileSync(path, bytes)
    let error: unknown
    try {
      const db = ParleyDatabase.openWithKey(path, key)
      try {
        db.sql.prepare('SELECT value FROM settings').all()
      } finally {
        await db.close()
      }
    } catch (err) {
      error = err
    }
    expect(error).toMatchObject({ name: 'DatabaseDamagedError', code: 'database_damaged' })
    expect(String((error as Error).message)).toMatch(/damaged/)
    expect(String((error as Error).message)).not.toMatch(/passphrase|key does not open/)
  })

  it('reports a damaged header as damage, not as a wrong key', async () => {
    const key = randomBytes(32)
    const path = dbPath()
    await writeRow(path, key, 'x')
    const bytes = readFileSync(path)
    bytes[40] ^= 0xff
    writeFileSync(path, bytes)
    expect(() => ParleyDatabase.openWithKey(path, key)).toThrow(expect.objectContaining({ code: 'database_damaged' }) as Error)
  })

  it('stores and returns every string exactly, U+0000 and lone surrogates included', async () => {
    const db = ParleyDatabase.openWithKey(dbPath(), randomBytes(32))
    const strings = ['a\0b', '\0', '\0x', 'emoji 🧪 and \u202Eright-to-left', '\uD800 lone', '']
    try {
      await db.write(() => {
        strings.forEach((s, i) => { db.sql.prepare('INSERT INTO settings (key, value) VALUES (?, ?)').run(`k${i}`, s) })
      })
      const back = (db.sql.prepare('SELECT value FROM settings ORDER BY rowid').all() as Array<{ value: string }>).map(r => r.value)
      // A lone surrogate cannot be UTF-8; it comes back as U+FFFD, which is why the API refuses such text.
      expect(back).toEqual(strings.map(s => s.replace('\uD800', '\uFFFD')))
    } finally {
      await db.close()
    }
  })
})

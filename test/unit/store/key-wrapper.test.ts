import { randomBytes } from 'node:crypto'
import { existsSync, readFileSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { afterEach, describe, expect, it } from 'vitest'
import { DATABASE_FILE, KEY_FILE, ParleyDatabase } from '../../../core/store/database.js'
import { DataDirLock } from '../../../core/store/dir-lock.js'
import { PassphraseKeyWrapper } from '../../../core/store/key-wrapper.js'
import { snapshot } from '../../helpers/files.js'
import { tempDir } from '../../helpers/temp.js'

const CHEAP = { N: 2 ** 10, r: 8, p: 1 }
const dirs: Array<{ remove: () => void }> = []
afterEach(() => { for (const d of dirs.splice(0)) d.remove() })

describe('passphrase key wrapping', () => {
  it('unwraps with the right passphrase and fails clearly with a wrong one', async () => {
    const key = randomBytes(32)
    const wrapped = await new PassphraseKeyWrapper('correct horse', CHEAP).wrap(key)
    expect(JSON.stringify(wrapped)).not.toContain(Buffer.from(key).toString('base64'))
    expect(await new PassphraseKeyWrapper('correct horse', CHEAP).unwrap(wrapped)).toEqual(new Uint8Array(key))
    await expect(new PassphraseKeyWrapper('battery staple', CHEAP).unwrap(wrapped)).rejects.toMatchObject({ name: 'WrongPassphraseError', code: 'wrong_passphrase' })
  })

  it('rejects damaged or hostile KDF parameters before running scrypt', async () => {
    const wrapped = await new PassphraseKeyWrapper('pw', CHEAP).wrap(randomBytes(32))
    const huge = { ...wrapped, params: { ...wrapped.params, N: 2 ** 30 } }
    await expect(new PassphraseKeyWrapper('pw', CHEAP).unwrap(huge)).rejects.toThrow(/bad scrypt parameters/)
    const notPowerOfTwo = { ...wrapped, params: { ...wrapped.params, N: 1000 } }
    await expect(new PassphraseKeyWrapper('pw', CHEAP).unwrap(notPowerOfTwo)).rejects.toThrow(/bad scrypt parameters/)
  })

  it('refuses an empty passphrase', () => {
    expect(() => new PassphraseKeyWrapper('')).toThrow(/must not be empty/)
  })
})

describe('opening a data directory', () => {
  it('creates key file and database once, then reopens; a wrong passphrase touches nothing', async () => {
    const dir = tempDir()
    dirs.push(dir)
    const db = await ParleyDatabase.open(dir.path, new PassphraseKeyWrapper('pw', CHEAP), { create: true })
    await db.write(() => { db.sql.prepare("INSERT INTO datastore (key, value) VALUES ('/a', x'01')").run() })
    await db.close()
    expect(existsSync(join(dir.path, KEY_FILE)) && existsSync(join(dir.path, DATABASE_FILE))).toBe(true)
    const before = snapshot(dir.path)
    await expect(ParleyDatabase.open(dir.path, new PassphraseKeyWrapper('nope', CHEAP))).rejects.toMatchObject({ code: 'wrong_passphrase' })
    expect(snapshot(dir.path)).toEqual(before)
    const again = await ParleyDatabase.open(dir.path, new PassphraseKeyWrapper('pw', CHEAP))
    expect(again.sql.prepare('SELECT count(*) AS n FROM datastore').get()).toMatchObject({ n: 1 })
    await again.close()
  })

  it('says so when the directory has no identity', async () => {
    const dir = tempDir()
    dirs.push(dir)
    await expect(ParleyDatabase.open(dir.path, new PassphraseKeyWrapper('pw', CHEAP))).rejects.toMatchObject({ code: 'not_initialised' })
  })

  it('rejects a damaged key file with a clear message', async () => {
    const dir = tempDir()
    dirs.push(dir)
    await (await ParleyDatabase.open(dir.path, new PassphraseKeyWrapper('pw', CHEAP), { create: true })).close()
    const keyPath = join(dir.path, KEY_FILE)
    writeFileSync(keyPath, JSON.stringify({ ...JSON.parse(readFileSync(keyPath, 'utf8')) as object, version: 9 }))
    await expect(ParleyDatabase.open(dir.path, new PassphraseKeyWrapper('pw', CHEAP))).rejects.toThrow(/is damaged/)
  })
})

describe('data directory lock', () => {
  it('admits one owner and takes over a lock left by a dead process', () => {
    const dir = tempDir()
    dirs.push(dir)
    // A lock held by a live process other than us (our parent) blocks.
    writeFileSync(join(dir.path, 'lock'), String(process.ppid))
    expect(() => DataDirLock.acquire(dir.path)).toThrow(/another Parley/)
    // A pid that cannot be running is stale.
    writeFileSync(join(dir.path, 'lock'), '999999999')
    const lock = DataDirLock.acquire(dir.path)
    expect(readFileSync(join(dir.path, 'lock'), 'utf8')).toBe(String(process.pid))
    lock.release()
    expect(existsSync(join(dir.path, 'lock'))).toBe(false)
  })
})

import { randomBytes } from 'node:crypto'
import { existsSync, readFileSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { afterEach, describe, expect, it } from 'vitest'
import { DATABASE_FILE, KEY_FILE, ParleyDatabase } from '../../../core/store/database.js'
import { DEFAULT_SCRYPT_COST, PassphraseKeyWrapper, SCRYPT_LIMITS, scryptCostProblem } from '../../../core/store/key-wrapper.js'
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

  it('bounds every scrypt parameter of a key file, each limit crossed by one step', () => {
    const { minN, maxN, maxR, maxP, maxMemoryBytes } = SCRYPT_LIMITS
    expect(scryptCostProblem(DEFAULT_SCRYPT_COST)).toBeUndefined()
    expect(scryptCostProblem({ N: minN, r: 8, p: 1 })).toBeUndefined()
    expect(scryptCostProblem({ N: minN / 2, r: 8, p: 1 })).toMatch(/below the minimum/)
    expect(scryptCostProblem({ N: 2, r: 8, p: 1 })).toMatch(/below the minimum/)
    expect(scryptCostProblem({ N: maxN, r: 1, p: 1 })).toBeUndefined()
    expect(scryptCostProblem({ N: maxN * 2, r: 1, p: 1 })).toMatch(/above the maximum/)
    expect(scryptCostProblem({ N: minN, r: maxR, p: 1 })).toBeUndefined()
    expect(scryptCostProblem({ N: minN, r: maxR + 1, p: 1 })).toMatch(/r = /)
    expect(scryptCostProblem({ N: minN, r: 0, p: 1 })).toMatch(/r = /)
    expect(scryptCostProblem({ N: minN, r: 8, p: maxP })).toBeUndefined()
    expect(scryptCostProblem({ N: minN, r: 8, p: maxP + 1 })).toMatch(/p = /)
    expect(scryptCostProblem({ N: minN, r: 8, p: 0 })).toMatch(/p = /)
    // Memory: 128·N·r bytes, at the limit and one step of N over it.
    const atLimit = { N: maxN, r: maxMemoryBytes / 128 / maxN, p: 1 }
    expect(scryptCostProblem(atLimit)).toBeUndefined()
    expect(scryptCostProblem({ ...atLimit, r: atLimit.r + 1 })).toMatch(/bytes, more than/)
    expect(scryptCostProblem({ N: maxN, r: maxR, p: 1 })).toMatch(/bytes, more than/)
    expect(scryptCostProblem({ N: '1024', r: 8, p: 1 })).toMatch(/numbers/)
    expect(scryptCostProblem({ N: 2 ** 15 + 0.5, r: 8, p: 1 })).toMatch(/integers/)
  })

  it('refuses a key file asking for gigabytes, or for N = 2, within milliseconds and without a wrong-passphrase guess', async () => {
    const production = new PassphraseKeyWrapper('pw')
    const wrapped = await new PassphraseKeyWrapper('pw', CHEAP).wrap(randomBytes(32))
    for (const params of [{ N: 2 ** 20, r: 32, p: 1 }, { N: 2, r: 8, p: 1 }, { N: 2 ** 15, r: 8, p: 1000 }]) {
      const started = Date.now()
      await expect(production.unwrap({ ...wrapped, params: { ...wrapped.params, ...params } })).rejects.toThrow(/bad scrypt parameters/)
      expect(Date.now() - started).toBeLessThan(1000)
    }
    // A production wrapper refuses the cheap cost tests use; one built with it accepts it.
    await expect(production.unwrap(wrapped)).rejects.toThrow(/below the minimum/)
    expect(await new PassphraseKeyWrapper('pw', CHEAP).unwrap(wrapped)).toHaveLength(32)
  })

  it('refuses to be built with an unbounded cost', () => {
    expect(() => new PassphraseKeyWrapper('pw', { N: 2 ** 22, r: 8, p: 1 })).toThrow(/bad scrypt cost/)
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

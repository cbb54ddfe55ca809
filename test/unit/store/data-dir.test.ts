import { rmSync, truncateSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { afterEach, describe, expect, it } from 'vitest'
import { Engine } from '../../../core/host/engine.js'
import { DATABASE_FILE, KEY_FILE, ParleyDatabase } from '../../../core/store/database.js'
import { inspectDataDir } from '../../../core/store/data-dir.js'
import { PassphraseKeyWrapper } from '../../../core/store/key-wrapper.js'
import { snapshot } from '../../helpers/files.js'
import { tempDir } from '../../helpers/temp.js'

const CHEAP = { N: 2 ** 10, r: 8, p: 1 }
const wrapper = (): PassphraseKeyWrapper => new PassphraseKeyWrapper('pw', CHEAP)
const dirs: Array<{ remove: () => void }> = []
afterEach(() => { for (const d of dirs.splice(0)) d.remove() })

async function initialised (): Promise<string> {
  const dir = tempDir('parley-data-dir')
  dirs.push(dir)
  const data = join(dir.path, 'data')
  await Engine.init(data, wrapper(), 'Ana')
  return data
}

/** Every way to start on this directory must refuse with `database_damaged` and leave every byte as it was. */
async function expectRefusedUntouched (data: string, reason: RegExp): Promise<void> {
  const before = snapshot(data)
  expect(() => inspectDataDir(data)).toThrow(reason)
  await expect(ParleyDatabase.open(data, wrapper())).rejects.toMatchObject({ code: 'database_damaged' })
  await expect(ParleyDatabase.open(data, wrapper(), { create: true })).rejects.toMatchObject({ code: 'database_damaged' })
  await expect(Engine.init(data, wrapper(), 'Mallory')).rejects.toMatchObject({ code: 'database_damaged' })
  expect(snapshot(data)).toEqual(before)
}

describe('a data directory with part of an identity', () => {
  it('is empty only when no identity file was ever written', () => {
    const dir = tempDir('parley-data-dir')
    dirs.push(dir)
    writeFileSync(join(dir.path, 'api.json'), '{}')
    expect(inspectDataDir(dir.path)).toBe('empty')
    expect(inspectDataDir(join(dir.path, 'not-made-yet'))).toBe('empty')
  })

  it('refuses a database truncated to 0 bytes', async () => {
    const data = await initialised()
    truncateSync(join(data, DATABASE_FILE), 0)
    await expectRefusedUntouched(data, /parley\.db is empty/)
  })

  it('refuses a key file whose database was deleted', async () => {
    const data = await initialised()
    rmSync(join(data, DATABASE_FILE))
    await expectRefusedUntouched(data, /parley\.db is missing/)
  })

  it('refuses a database whose key file was deleted', async () => {
    const data = await initialised()
    rmSync(join(data, KEY_FILE))
    await expectRefusedUntouched(data, /key\.json is missing/)
  })

  it('refuses a database that opens but holds no identity', async () => {
    const data = await initialised()
    const db = await ParleyDatabase.open(data, wrapper())
    await db.write(() => { db.sql.exec('DELETE FROM identity') })
    await db.close()
    await expect(Engine.start({ dataDir: data, wrapper: wrapper(), preset: 'sim', listen: ['/ip4/127.0.0.1/tcp/0'] }))
      .rejects.toMatchObject({ code: 'database_damaged' })
    await expect(Engine.init(data, wrapper(), 'Mallory')).rejects.toMatchObject({ code: 'database_damaged' })
  })
})

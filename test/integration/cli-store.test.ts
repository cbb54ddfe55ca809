import { cpSync, readFileSync, rmSync, truncateSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest'
import { ParleyDatabase } from '../../core/store/database.js'
import { PassphraseKeyWrapper } from '../../core/store/key-wrapper.js'
import { Child, runToExit } from '../helpers/child.js'
import { snapshot } from '../helpers/files.js'
import { tempDir } from '../helpers/temp.js'
import type { Finished } from '../helpers/child.js'

const PARLEY = fileURLToPath(new URL('../../bin/parley', import.meta.url))
const PASSPHRASE = 'correct horse'
const PAGE_SIZE = 4096
const dirs: Array<{ remove: () => void }> = []
const children: Child[] = []
afterEach(async () => {
  for (const child of children.splice(0)) await child.kill('SIGKILL')
  for (const d of dirs.splice(0)) d.remove()
})

function env (passphrase: string | undefined = PASSPHRASE): NodeJS.ProcessEnv {
  const vars = { ...process.env }
  delete vars.PARLEY_PASSPHRASE
  if (passphrase != null) vars.PARLEY_PASSPHRASE = passphrase
  return vars
}

async function parley (args: string[], passphrase?: string): Promise<Finished> {
  return await runToExit(PARLEY, args, { env: env(passphrase), timeoutMs: 60_000 })
}

/** One `parley init` for the whole file (it costs seconds on a loaded machine); each test gets a copy. */
let template: { path: string, remove: () => void }
beforeAll(async () => {
  template = tempDir('parley-cli-store-template')
  const result = await parley(['init', '--data', join(template.path, 'data'), '--name', 'Ana'])
  expect(result.status, result.stderr).toBe(0)
})
afterAll(() => { template.remove() })

/** A data dir with an identity, made by `parley init`. */
function initialised (): string {
  const dir = tempDir('parley-cli-store')
  dirs.push(dir)
  const data = join(dir.path, 'data')
  cpSync(join(template.path, 'data'), data, { recursive: true })
  return data
}

function daemonArgs (data: string): string[] {
  return ['daemon', '--data', data, '--network', 'sim', '--listen', '/ip4/127.0.0.1/tcp/0']
}

describe('parley check', () => {
  it('says a sound data directory is sound (exit 0) and changes nothing', async () => {
    const data = initialised()
    const before = snapshot(data)
    const result = await parley(['check', '--data', data, '--json'])
    expect(result.status, result.stderr).toBe(0)
    expect(JSON.parse(result.stdout)).toMatchObject({ sound: true, damagedPages: [], damagedTables: [], problems: [] })
    expect(snapshot(data)).toEqual(before)
  })

  it('names the damaged pages and tables (exit 1)', async () => {
    const data = initialised()
    const path = join(data, 'parley.db')
    const bytes = readFileSync(path)
    const page = Math.floor(bytes.length / PAGE_SIZE) - 1
    bytes[page * PAGE_SIZE + 200] ^= 0x10
    writeFileSync(path, bytes)
    const result = await parley(['check', '--data', data, '--json'])
    expect(result.status).toBe(1)
    const report = JSON.parse(result.stdout) as { sound: boolean, damagedPages: number[], damagedTables: string[] }
    expect(report.sound).toBe(false)
    expect(report.damagedPages).toEqual([page + 1])
    expect(report.damagedTables.length).toBeGreaterThan(0)
    const text = await parley(['check', '--data', data])
    expect(text.stdout).toContain(`authentication check: ${page + 1}`)
  })

  it('refuses a wrong passphrase with exit 2, and a running daemon with a clear word', async () => {
    const data = initialised()
    expect((await parley(['check', '--data', data], 'battery staple')).status).toBe(2)
    const daemon = new Child(PARLEY, daemonArgs(data), env())
    children.push(daemon)
    await daemon.line('ready ')
    const running = await parley(['check', '--data', data])
    expect(running.status).toBe(1)
    expect(running.stderr).toMatch(/another Parley|in use/)
  })
})

describe('a damaged data directory', () => {
  it.each([
    ['a database with a damaged header', (data: string) => {
      const path = join(data, 'parley.db')
      const bytes = readFileSync(path)
      bytes.fill(0x42, 0, 64)
      writeFileSync(path, bytes)
    }],
    ['a database truncated to 0 bytes', (data: string) => { truncateSync(join(data, 'parley.db'), 0) }],
    ['a deleted database', (data: string) => { rmSync(join(data, 'parley.db')) }],
    ['a deleted key file', (data: string) => { rmSync(join(data, 'key.json')) }]
  ])('with %s: the daemon exits 4 saying it is damaged, and writes nothing', async (_, damage) => {
    const data = initialised()
    damage(data)
    const before = snapshot(data)
    const result = await parley(daemonArgs(data))
    expect(result.status, result.stderr).toBe(4)
    expect(result.stderr).toContain('damaged')
    expect(result.stderr).not.toContain('passphrase')
    expect(result.stdout).not.toContain('onboarding')
    expect(snapshot(data)).toEqual(before)
  })
})

describe('a client command with a garbage api.json and no daemon', () => {
  it('exits 3 (no daemon)', async () => {
    const data = initialised()
    writeFileSync(join(data, 'api.json'), 'not json at all')
    const result = await parley(['status', '--data', data])
    expect(result.status).toBe(3)
    expect(result.stderr).toContain('no Parley daemon is running')
  })
})

describe('parley settings', () => {
  it('starts past a stored address that no longer parses, and shows and resets it without a daemon', async () => {
    const data = initialised()
    const db = await ParleyDatabase.open(data, new PassphraseKeyWrapper(PASSPHRASE))
    await db.write(() => {
      db.sql.prepare("INSERT INTO settings (key, value) VALUES ('bootstrap', ?)").run(JSON.stringify(['/ip4/127.0.0.1/tcp/9/p2p/12D3KooWnotapeerid']))
    })
    await db.close()

    const daemon = new Child(PARLEY, daemonArgs(data), env())
    children.push(daemon)
    await daemon.line('ready ')
    expect(daemon.stderrText).toContain('ignoring a stored setting')
    // With the daemon running, `settings show` asks it.
    const shown = await parley(['settings', 'show', '--data', data, '--json'], undefined)
    expect(shown.status, shown.stderr).toBe(0)
    expect(JSON.parse(shown.stdout)).toMatchObject({ settings: { bootstrap: [] } })
    await daemon.kill('SIGTERM')

    const offline = await parley(['settings', 'show', '--data', data, '--json'])
    expect(offline.status, offline.stderr).toBe(0)
    expect(JSON.parse(offline.stdout)).toMatchObject({ settings: { bootstrap: [] }, skipped: [expect.stringContaining('12D3KooWnotapeerid')] })
    const reset = await parley(['settings', 'reset', 'bootstrap', '--data', data, '--json'])
    expect(reset.status, reset.stderr).toBe(0)
    expect(JSON.parse(reset.stdout)).toMatchObject({ skipped: [] })
    expect((await parley(['settings', 'reset', 'colour', '--data', data])).status).toBe(2)
  })
})

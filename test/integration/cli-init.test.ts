import { spawnSync } from 'node:child_process'
import { writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { afterEach, describe, expect, it } from 'vitest'
import { Child, runToExit } from '../helpers/child.js'
import { snapshot } from '../helpers/files.js'
import { tempDir } from '../helpers/temp.js'

const PARLEY = fileURLToPath(new URL('../../bin/parley', import.meta.url))
const dirs: Array<{ remove: () => void }> = []
afterEach(() => { for (const d of dirs.splice(0)) d.remove() })

function parley (args: string[], passphrase?: string): { status: number | null, stdout: string, stderr: string } {
  const env = { ...process.env }
  delete env.PARLEY_PASSPHRASE
  if (passphrase != null) env.PARLEY_PASSPHRASE = passphrase
  const run = spawnSync(PARLEY, args, { env, encoding: 'utf8', input: '', timeout: 60_000 })
  return { status: run.status, stdout: run.stdout, stderr: run.stderr }
}

describe('parley init', () => {
  it('creates an identity, is idempotent with the right passphrase, and refuses a wrong one with exit 2', () => {
    const dir = tempDir()
    dirs.push(dir)
    const data = join(dir.path, 'alice')
    const created = parley(['init', '--data', data, '--name', 'Alice'], 'correct horse')
    expect(created.status).toBe(0)
    const peerId = created.stdout.trim()
    expect(peerId).toMatch(/^12D3KooW[1-9A-HJ-NP-Za-km-z]+$/)

    const again = parley(['init', '--data', data], 'correct horse')
    expect(again).toMatchObject({ status: 0, stdout: `${peerId}\n` })
    expect(again.stderr).toContain('already initialised')

    const before = snapshot(data)
    const wrong = parley(['init', '--data', data], 'battery staple')
    expect(wrong.status).toBe(2)
    expect(wrong.stderr).toContain('wrong passphrase')
    expect(wrong.stdout).toBe('')
    expect(snapshot(data)).toEqual(before)
  })

  it('reads the passphrase from a file, and says how to give one when there is none', () => {
    const dir = tempDir()
    dirs.push(dir)
    const file = join(dir.path, 'pass.txt')
    writeFileSync(file, 'from a file\n')
    const data = join(dir.path, 'bob')
    expect(parley(['init', '--data', data, '--passphrase-file', file]).status).toBe(0)
    expect(parley(['init', '--data', data], 'from a file').status).toBe(0)
    const none = parley(['init', '--data', join(dir.path, 'carol')])
    expect(none.status).toBe(2)
    expect(none.stderr).toContain('PARLEY_PASSPHRASE')
    const missing = parley(['init', '--data', data, '--passphrase-file', join(dir.path, 'nope.txt')])
    expect(missing.status).toBe(2)
    expect(missing.stderr).toContain('cannot read')
  })

  it('refuses a data directory a running daemon holds, without opening its database', async () => {
    const dir = tempDir()
    dirs.push(dir)
    const data = join(dir.path, 'busy')
    expect(parley(['init', '--data', data], 'correct horse').status).toBe(0)
    const daemon = new Child(PARLEY, ['daemon', '--data', data, '--network', 'sim', '--listen', '/ip4/127.0.0.1/tcp/0'],
      { ...process.env, PARLEY_PASSPHRASE: 'correct horse' })
    try {
      await daemon.line('ready ')
      const pid = daemon.process.pid ?? expect.fail('no pid')
      const busy = await runToExit(PARLEY, ['init', '--data', data], { env: { ...process.env, PARLEY_PASSPHRASE: 'correct horse' } })
      expect(busy.status).toBe(1)
      expect(busy.stderr).toContain(`another Parley (pid ${pid})`)
      expect(busy.stdout).toBe('')
    } finally {
      await daemon.kill()
    }
    // Once the daemon is gone, init opens it again.
    expect(parley(['init', '--data', data], 'correct horse').status).toBe(0)
  })

  it('requires --data', () => {
    const result = parley(['init'], 'pw')
    expect(result.status).toBe(2)
    expect(result.stderr).toContain('--data')
  })
})

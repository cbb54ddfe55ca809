import { execFile } from 'node:child_process'
import { writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { promisify } from 'node:util'
import { afterAll, describe, expect, it } from 'vitest'
import { tempDir } from '../../helpers/temp.js'

const ROOT = fileURLToPath(new URL('../../../', import.meta.url))
const SCRIPT = join(ROOT, 'scripts', 'electronegativity.js')
const fixture = tempDir('parley-eng-fixture')
afterAll(() => { fixture.remove() })

async function audit (...targets: string[]): Promise<{ code: number, output: string }> {
  try {
    const { stdout, stderr } = await promisify(execFile)(process.execPath, [SCRIPT, ...targets], { cwd: ROOT, timeout: 60_000 })
    return { code: 0, output: stdout + stderr }
  } catch (err) {
    const failed = err as { code?: number, stdout?: string, stderr?: string }
    return { code: failed.code ?? -1, output: `${failed.stdout ?? ''}${failed.stderr ?? ''}` }
  }
}

describe('scripts/electronegativity.js (npm run audit:electron)', () => {
  it('fails on an insecure window and names each finding', async () => {
    writeFileSync(join(fixture.path, 'main.js'), [
      "const { BrowserWindow } = require('electron')",
      'const win = new BrowserWindow({ webPreferences: { contextIsolation: false } })',
      "win.loadURL('http://example.com')",
      ''
    ].join('\n'))
    const { code, output } = await audit(fixture.path)
    expect(code).toBe(1)
    for (const id of ['CONTEXT_ISOLATION_JS_CHECK', 'SANDBOX_JS_CHECK', 'LIMIT_NAVIGATION_GLOBAL_CHECK', 'PERMISSION_REQUEST_HANDLER_GLOBAL_CHECK', 'CSP_GLOBAL_CHECK']) {
      expect(output).toMatch(new RegExp(`FAIL \\w+/(FIRM|CERTAIN) ${id}`))
    }
  })

  it('passes electron/ with no HIGH or MEDIUM finding at FIRM/CERTAIN confidence', async () => {
    const { code, output } = await audit('electron')
    expect(output).toContain('0 HIGH/MEDIUM at FIRM/CERTAIN confidence')
    expect(output).not.toMatch(/could not parse/)
    expect(code).toBe(0)
  })
})

import { readFileSync } from 'node:fs'
import { fileURLToPath } from 'node:url'
import { describe, expect, it } from 'vitest'

const ELECTRON_DIR = fileURLToPath(new URL('../../../electron/', import.meta.url))

/** The policy modules: decisions only, tested without Electron. */
const POLICY_MODULES = [
  'navigation.ts', 'window-options.ts', 'fuses.ts', 'sender.ts', 'control-protocol.ts', 'permissions.ts',
  'url-origin.ts', 'app-files.ts', 'key-policy.ts', 'key-file.ts', 'safe-storage-key-wrapper.ts', 'keystore-client.ts',
  'keystore-service.ts', 'unread-reporter.ts', 'tray-icon.ts', 'channels.ts', 'engine-host.ts'
]

describe('policy modules', () => {
  it.each(POLICY_MODULES)('%s imports Electron for types only', file => {
    const source = readFileSync(`${ELECTRON_DIR}${file}`, 'utf8')
    const electronImports = source.split('\n').filter(line => /from 'electron(\/[^']*)?'/.test(line) || /require\('electron'\)/.test(line))
    for (const line of electronImports) expect(line, file).toMatch(/^import type /)
  })
})

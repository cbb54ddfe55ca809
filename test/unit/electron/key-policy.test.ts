import { writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { describe, expect, it } from 'vitest'
import { KEY_FILE } from '../../../core/store/database.js'
import { PassphraseKeyWrapper } from '../../../core/store/key-wrapper.js'
import { KEY_FILE_NAME, classifyStoredKey, readStoredKey } from '../../../electron/key-file.js'
import { PASSPHRASE_KIND, SAFE_STORAGE_KIND, askDialog, backendName, keystoreProblem, planKey } from '../../../electron/key-policy.js'
import { tempDir } from '../../helpers/temp.js'
import type { KeystoreStatus } from '../../../electron/key-policy.js'

const GNOME: KeystoreStatus = { available: true, backend: 'gnome_libsecret' }
const BASIC: KeystoreStatus = { available: true, backend: 'basic_text' }
const NONE: KeystoreStatus = { available: false, backend: 'gnome_libsecret' }

describe('database key protection', () => {
  it('matches core\'s names for the key file and the passphrase wrapper', () => {
    expect(KEY_FILE_NAME).toBe(KEY_FILE)
    expect(PASSPHRASE_KIND).toBe(new PassphraseKeyWrapper('x').kind)
  })

  it('names the backend per platform', () => {
    expect(backendName('linux', 'kwallet5')).toBe('kwallet5')
    expect(backendName('linux')).toBe('unknown')
    expect(backendName('darwin', 'ignored')).toBe('keychain')
    expect(backendName('win32')).toBe('dpapi')
  })

  it('treats basic_text, no keystore and an unknown backend as problems', () => {
    expect(keystoreProblem(GNOME)).toBeUndefined()
    expect(keystoreProblem(BASIC)).toEqual({ kind: 'basic_text' })
    expect(keystoreProblem({ available: false, backend: 'basic_text' })).toEqual({ kind: 'basic_text' })
    expect(keystoreProblem(NONE)).toEqual({ kind: 'unavailable', backend: 'gnome_libsecret' })
    expect(keystoreProblem({ available: true, backend: 'unknown' })).toEqual({ kind: 'unavailable', backend: 'unknown' })
    expect(keystoreProblem(GNOME, 'kwallet5')).toEqual({ kind: 'backend_changed', from: 'kwallet5', to: 'gnome_libsecret' })
    expect(keystoreProblem(GNOME, 'gnome_libsecret')).toBeUndefined()
  })

  it('uses the keystore for a new key only when it is real, and otherwise asks: passphrase or quit', () => {
    expect(planKey({ kind: 'none' }, GNOME)).toEqual({ use: 'safe-storage' })
    expect(planKey({ kind: 'none' }, BASIC)).toEqual({ use: 'ask', problem: { kind: 'basic_text' } })
    expect(planKey({ kind: 'none' }, NONE)).toMatchObject({ use: 'ask', problem: { kind: 'unavailable' } })
    const words = askDialog({ kind: 'basic_text' })
    expect(words.buttons).toEqual(['Use a passphrase', 'Quit'])
    expect(words.detail).toMatch(/basic_text/)
    expect(askDialog({ kind: 'unavailable', backend: 'x' }).detail).toMatch(/not store the key .* unprotected/)
  })

  it('opens a keystore-wrapped key only under the backend that wrapped it, else explains and quits', () => {
    expect(planKey({ kind: 'safe-storage', backend: 'gnome_libsecret' }, GNOME)).toEqual({ use: 'safe-storage' })
    const changed = planKey({ kind: 'safe-storage', backend: 'kwallet5' }, GNOME)
    expect(changed).toMatchObject({ use: 'stop', title: expect.stringMatching(/changed/) as unknown })
    expect(changed).toMatchObject({ detail: expect.stringContaining('--password-store=kwallet5') as unknown })
    expect(planKey({ kind: 'safe-storage', backend: 'gnome_libsecret' }, BASIC)).toMatchObject({ use: 'stop', detail: expect.stringContaining('--password-store=gnome-libsecret') as unknown })
    expect(planKey({ kind: 'safe-storage', backend: 'gnome_libsecret' }, NONE)).toMatchObject({ use: 'stop' })
  })

  it('asks for the existing passphrase when the key is passphrase-wrapped, whatever the keystore', () => {
    expect(planKey({ kind: 'passphrase' }, GNOME)).toEqual({ use: 'passphrase', isNew: false })
    expect(planKey({ kind: 'passphrase' }, BASIC)).toEqual({ use: 'passphrase', isNew: false })
  })

  it('stops on a key file it cannot read', () => {
    expect(planKey({ kind: 'unsupported', detail: 'x' }, GNOME)).toMatchObject({ use: 'stop', detail: 'x' })
  })
})

describe('reading key.json', () => {
  const blob = (kind: string, params: Record<string, string | number>): unknown => ({ version: 1, kind, params, ciphertext: 'AAAA' })

  it('classifies each kind of wrapped key', () => {
    expect(classifyStoredKey(blob(SAFE_STORAGE_KIND, { backend: 'kwallet6' }))).toEqual({ kind: 'safe-storage', backend: 'kwallet6' })
    expect(classifyStoredKey(blob(PASSPHRASE_KIND, { N: 1024 }))).toEqual({ kind: 'passphrase' })
    expect(classifyStoredKey(blob(SAFE_STORAGE_KIND, {}))).toMatchObject({ kind: 'unsupported' })
    expect(classifyStoredKey(blob('tpm', {}))).toMatchObject({ kind: 'unsupported', detail: expect.stringContaining('"tpm"') as unknown })
    expect(classifyStoredKey({ version: 2 })).toMatchObject({ kind: 'unsupported' })
  })

  it('reads the file from the data dir', () => {
    const dir = tempDir()
    try {
      expect(readStoredKey(dir.path)).toEqual({ kind: 'none' })
      writeFileSync(join(dir.path, KEY_FILE), '{not json')
      expect(readStoredKey(dir.path)).toMatchObject({ kind: 'unsupported' })
      writeFileSync(join(dir.path, KEY_FILE), JSON.stringify(blob(SAFE_STORAGE_KIND, { backend: 'gnome_libsecret' })))
      expect(readStoredKey(dir.path)).toEqual({ kind: 'safe-storage', backend: 'gnome_libsecret' })
    } finally {
      dir.remove()
    }
  })
})

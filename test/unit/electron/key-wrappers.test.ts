import { randomBytes } from 'node:crypto'
import { readFileSync } from 'node:fs'
import { join } from 'node:path'
import { afterEach, describe, expect, it } from 'vitest'
import { KEY_FILE, ParleyDatabase } from '../../../core/store/database.js'
import { PassphraseKeyWrapper } from '../../../core/store/key-wrapper.js'
import { parseEngineToMain, parseMainToEngine } from '../../../electron/control-protocol.js'
import { KeystoreClient } from '../../../electron/keystore-client.js'
import { answerKeystoreRequest } from '../../../electron/keystore-service.js'
import { SafeStorageKeyWrapper } from '../../../electron/safe-storage-key-wrapper.js'
import { tempDir } from '../../helpers/temp.js'
import { FakeSafeStorage } from './fake-safe-storage.js'
import type { KeyWrapper } from '../../../core/host/key-wrapper.js'
import type { EngineToMain } from '../../../electron/control-protocol.js'

const CHEAP = { N: 2 ** 10, r: 8, p: 1 }

/**
 * The engine's SafeStorageKeyWrapper wired to main's keystore service the way
 * the two processes are: every message goes through JSON and the schemas.
 */
function safeStorageWrapper (storage: FakeSafeStorage, platform = 'linux'): SafeStorageKeyWrapper {
  const client: KeystoreClient = new KeystoreClient((message: EngineToMain) => {
    const request = parseEngineToMain(JSON.parse(JSON.stringify(message)))
    if (request?.type !== 'keystore-encrypt' && request?.type !== 'keystore-decrypt') throw new Error('not a keystore request')
    void answerKeystoreRequest(request, storage, platform).then(result => {
      const answer = parseMainToEngine(JSON.parse(JSON.stringify({ type: 'keystore-result', id: request.id, result })))
      if (answer?.type !== 'keystore-result') throw new Error('bad answer')
      client.settle(answer.id, answer.result)
    })
  }, 5000)
  return new SafeStorageKeyWrapper(client)
}

interface Implementation {
  name: string
  /** Two wrappers over the same secret. */
  same: () => [KeyWrapper, KeyWrapper]
  /** A wrapper over a different secret (wrong passphrase; another keystore). */
  other: () => KeyWrapper
}

const implementations: Implementation[] = [
  {
    name: 'passphrase (headless)',
    same: () => [new PassphraseKeyWrapper('correct horse', CHEAP), new PassphraseKeyWrapper('correct horse', CHEAP)],
    other: () => new PassphraseKeyWrapper('battery staple', CHEAP)
  },
  {
    name: 'safeStorage (desktop)',
    same: () => {
      const storage = new FakeSafeStorage()
      return [safeStorageWrapper(storage), safeStorageWrapper(storage)]
    },
    other: () => safeStorageWrapper(new FakeSafeStorage())
  }
]

const dirs: Array<{ remove: () => void }> = []
afterEach(() => { for (const d of dirs.splice(0)) d.remove() })

// One suite for both KeyWrapper implementations (STYLE.md, compliance suites).
describe.each(implementations)('KeyWrapper compliance: $name', impl => {
  it('unwraps what it wrapped, and the blob does not contain the key', async () => {
    const [a, b] = impl.same()
    const key = randomBytes(32)
    const wrapped = await a.wrap(key)
    expect(wrapped).toMatchObject({ version: 1, kind: a.kind })
    expect(JSON.stringify(wrapped)).not.toContain(key.toString('base64'))
    expect(await b.unwrap(wrapped)).toEqual(new Uint8Array(key))
  })

  it('fails, without the key, under another secret', async () => {
    const [a] = impl.same()
    const wrapped = await a.wrap(randomBytes(32))
    await expect(impl.other().unwrap(wrapped)).rejects.toThrow()
  })

  it('refuses a blob of another kind', async () => {
    const [a] = impl.same()
    const wrapped = await a.wrap(randomBytes(32))
    await expect(a.unwrap({ ...wrapped, kind: 'someone-else' })).rejects.toMatchObject({ code: 'wrong_passphrase' })
  })

  it('creates and reopens an encrypted data dir', async () => {
    const dir = tempDir()
    dirs.push(dir)
    const [a, b] = impl.same()
    await (await ParleyDatabase.open(dir.path, a, { create: true })).close()
    const again = await ParleyDatabase.open(dir.path, b)
    expect(again.sql.prepare('SELECT 1 AS one').get()).toMatchObject({ one: 1 })
    await again.close()
  })
})

describe('safeStorage wrapper', () => {
  it('records the backend in the blob', async () => {
    const dir = tempDir()
    dirs.push(dir)
    await (await ParleyDatabase.open(dir.path, safeStorageWrapper(new FakeSafeStorage('kwallet6')), { create: true })).close()
    const stored = JSON.parse(readFileSync(join(dir.path, KEY_FILE), 'utf8')) as { kind: string, params: Record<string, unknown> }
    expect(stored).toMatchObject({ kind: 'electron-safe-storage', params: { backend: 'kwallet6' } })
    const mac = await safeStorageWrapper(new FakeSafeStorage(), 'darwin').wrap(randomBytes(32))
    expect(mac.params).toEqual({ backend: 'keychain' })
  })

  it('never encrypts under basic_text or without a keystore', async () => {
    const basic = new FakeSafeStorage('basic_text')
    await expect(safeStorageWrapper(basic).wrap(randomBytes(32))).rejects.toMatchObject({ code: 'keystore_unavailable' })
    const none = new FakeSafeStorage()
    none.available = false
    await expect(safeStorageWrapper(none).wrap(randomBytes(32))).rejects.toMatchObject({ code: 'keystore_unavailable' })
    expect([...basic.calls, ...none.calls]).toEqual([])
  })

  it('refuses to decrypt once the backend has changed, before asking the keystore', async () => {
    const storage = new FakeSafeStorage('kwallet5')
    const wrapped = await safeStorageWrapper(storage).wrap(randomBytes(32))
    storage.backend = 'gnome_libsecret'
    storage.calls.length = 0
    await expect(safeStorageWrapper(storage).unwrap(wrapped)).rejects.toMatchObject({ code: 'keystore_changed', message: expect.stringContaining('kwallet5') as unknown })
    storage.backend = 'basic_text'
    await expect(safeStorageWrapper(storage).unwrap(wrapped)).rejects.toMatchObject({ code: 'keystore_unavailable' })
    expect(storage.calls).toEqual([])
  })

  it('rejects a blob that names no backend', async () => {
    const wrapper = safeStorageWrapper(new FakeSafeStorage())
    const wrapped = await wrapper.wrap(randomBytes(32))
    await expect(wrapper.unwrap({ ...wrapped, params: {} })).rejects.toMatchObject({ code: 'key_damaged' })
  })

  it('gives up on a keystore that never answers', async () => {
    const silent = new KeystoreClient(() => {}, 20)
    await expect(silent.encrypt(new Uint8Array(32))).rejects.toMatchObject({ code: 'keystore_failed' })
  })
})

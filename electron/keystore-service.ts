import { backendName, keystoreProblem } from './key-policy.js'
import type { SafeStorage } from 'electron'
import type { EngineToMain, KeystoreResult } from './control-protocol.js'
import type { KeystoreProblem, KeystoreStatus } from './key-policy.js'

/** The parts of Electron's `safeStorage` main uses; the tests pass a fake. */
export type SafeStorageLike = Pick<SafeStorage, 'isAsyncEncryptionAvailable' | 'encryptStringAsync' | 'decryptStringAsync' | 'getSelectedStorageBackend'>

export async function keystoreStatus (safeStorage: SafeStorageLike, platform: string): Promise<KeystoreStatus> {
  const available = await safeStorage.isAsyncEncryptionAvailable()
  return { available, backend: backendName(platform, platform === 'linux' ? safeStorage.getSelectedStorageBackend() : undefined) }
}

const BASE64_KEY = /^[A-Za-z0-9+/]{1,4000}={0,2}$/

type KeystoreRequest = Extract<EngineToMain, { type: 'keystore-encrypt' | 'keystore-decrypt' }>

/**
 * Main's answer to the engine's keystore requests. The keystore is checked
 * again on every request (the start-up check may be minutes old): a key is
 * never encrypted under `basic_text` or no keystore, and never decrypted by a
 * backend other than the one that encrypted it.
 */
export async function answerKeystoreRequest (request: KeystoreRequest, safeStorage: SafeStorageLike, platform: string): Promise<KeystoreResult> {
  try {
    const status = await keystoreStatus(safeStorage, platform)
    const problem = keystoreProblem(status, request.type === 'keystore-decrypt' ? request.backend : undefined)
    if (problem != null) return { ok: false, ...refusal(problem) }
    if (request.type === 'keystore-encrypt') {
      // safeStorage encrypts strings: the key travels as its base64 text.
      const ciphertext = await safeStorage.encryptStringAsync(request.plaintext)
      return { ok: true, data: ciphertext.toString('base64'), backend: status.backend }
    }
    const { result } = await safeStorage.decryptStringAsync(Buffer.from(request.ciphertext, 'base64'))
    // A wrapped key decrypts to base64; anything else means the blob is not ours.
    if (!BASE64_KEY.test(result)) return { ok: false, code: 'keystore_failed', message: 'the keystore returned something that is not a key' }
    return { ok: true, data: result, backend: status.backend }
  } catch (err) {
    return { ok: false, code: 'keystore_failed', message: `the keystore failed: ${err instanceof Error ? err.message : String(err)}`.slice(0, 500) }
  }
}

function refusal (problem: KeystoreProblem): { code: 'keystore_unavailable' | 'keystore_changed', message: string } {
  switch (problem.kind) {
    case 'basic_text': return { code: 'keystore_unavailable', message: 'the OS keystore is "basic_text", which does not protect the key' }
    case 'unavailable': return { code: 'keystore_unavailable', message: 'the OS keystore is not available' }
    case 'backend_changed': return { code: 'keystore_changed', message: `the key was wrapped by "${problem.from}", but the keystore now is "${problem.to}"` }
  }
}

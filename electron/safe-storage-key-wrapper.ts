import type { KeyWrapper, WrappedKey } from '../core/host/key-wrapper.js'
import { SAFE_STORAGE_KIND } from './key-policy.js'

/**
 * The OS keystore as the engine sees it. safeStorage exists only in Electron's
 * main process, so in the utility process this is a client that asks main
 * (keystore-client.ts); the tests use a fake.
 */
export interface Keystore {
  /** Encrypts `plaintext`; reports which backend did it. */
  encrypt: (plaintext: Uint8Array) => Promise<{ ciphertext: Uint8Array, backend: string }>
  /** Decrypts what `backend` encrypted; refuses when the keystore now is another one. */
  decrypt: (ciphertext: Uint8Array, backend: string) => Promise<Uint8Array>
}

/** Raised (with a stable `code`, matched by name across processes) when the key cannot be wrapped or unwrapped. */
export class KeystoreError extends Error {
  static readonly NAME = 'KeystoreError'
  constructor (readonly code: string, message: string) {
    super(message)
    this.name = KeystoreError.NAME
  }
}

/**
 * A `KeyWrapper` backed by safeStorage. The blob records the backend that
 * made it (`params.backend`), so a later start under a different keystore is
 * refused with a clear reason instead of a bare decryption failure.
 */
export class SafeStorageKeyWrapper implements KeyWrapper {
  readonly kind = SAFE_STORAGE_KIND

  constructor (private readonly keystore: Keystore) {}

  async wrap (key: Uint8Array): Promise<WrappedKey> {
    const { ciphertext, backend } = await this.keystore.encrypt(key)
    return { version: 1, kind: this.kind, params: { backend }, ciphertext: Buffer.from(ciphertext).toString('base64') }
  }

  async unwrap (wrapped: WrappedKey): Promise<Uint8Array> {
    if (wrapped.kind !== this.kind) throw new KeystoreError('wrong_passphrase', `this database key is wrapped by "${wrapped.kind}", not by the OS keystore`)
    const backend = wrapped.params.backend
    if (typeof backend !== 'string' || backend === '') throw new KeystoreError('key_damaged', 'the key file does not say which keystore holds the key')
    return await this.keystore.decrypt(new Uint8Array(Buffer.from(wrapped.ciphertext, 'base64')), backend)
  }
}

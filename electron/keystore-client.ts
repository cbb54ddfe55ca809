import { KeystoreError } from './safe-storage-key-wrapper.js'
import type { EngineToMain, KeystoreResult } from './control-protocol.js'
import type { Keystore } from './safe-storage-key-wrapper.js'

/** A keyring may ask the user to unlock it first, so main can take a while to answer. */
export const KEYSTORE_TIMEOUT_MS = 5 * 60_000

interface Pending {
  resolve: (result: KeystoreResult) => void
  timer: ReturnType<typeof setTimeout>
}

/**
 * The engine's side of the keystore: each call becomes one control message to
 * main, answered by a `keystore-result` with the same id.
 */
export class KeystoreClient implements Keystore {
  private nextId = 1
  private readonly pending = new Map<number, Pending>()

  constructor (private readonly post: (message: EngineToMain) => void, private readonly timeoutMs = KEYSTORE_TIMEOUT_MS) {}

  async encrypt (plaintext: Uint8Array): Promise<{ ciphertext: Uint8Array, backend: string }> {
    const result = await this.request(id => ({ type: 'keystore-encrypt', id, plaintext: toBase64(plaintext) }))
    return { ciphertext: fromBase64(result.data), backend: result.backend }
  }

  async decrypt (ciphertext: Uint8Array, backend: string): Promise<Uint8Array> {
    const result = await this.request(id => ({ type: 'keystore-decrypt', id, ciphertext: toBase64(ciphertext), backend }))
    return fromBase64(result.data)
  }

  /** Routes main's answer to the call waiting for it; unknown ids are ignored. */
  settle (id: number, result: KeystoreResult): void {
    const pending = this.pending.get(id)
    if (pending == null) return
    this.pending.delete(id)
    clearTimeout(pending.timer)
    pending.resolve(result)
  }

  private async request (message: (id: number) => EngineToMain): Promise<{ data: string, backend: string }> {
    const id = this.nextId++
    const result = await new Promise<KeystoreResult>((resolve, reject) => {
      const timer = setTimeout(() => {
        this.pending.delete(id)
        reject(new KeystoreError('keystore_failed', 'the keystore did not answer in time'))
      }, this.timeoutMs)
      this.pending.set(id, { resolve, timer })
      this.post(message(id))
    })
    if (!result.ok) throw new KeystoreError(result.code, result.message)
    return result
  }
}

function toBase64 (bytes: Uint8Array): string {
  return Buffer.from(bytes).toString('base64')
}

function fromBase64 (text: string): Uint8Array {
  return new Uint8Array(Buffer.from(text, 'base64'))
}

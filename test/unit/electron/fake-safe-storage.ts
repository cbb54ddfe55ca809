import { createCipheriv, createDecipheriv, randomBytes } from 'node:crypto'
import type { SafeStorageLike } from '../../../electron/keystore-service.js'

type Backend = ReturnType<SafeStorageLike['getSelectedStorageBackend']>

/**
 * Electron's safeStorage as the tests need it: an AES-GCM key per backend,
 * so a different backend really cannot decrypt, as on Linux.
 */
export class FakeSafeStorage implements SafeStorageLike {
  available = true
  readonly calls: string[] = []
  private readonly keys = new Map<string, Buffer>()

  constructor (public backend: Backend = 'gnome_libsecret') {}

  async isAsyncEncryptionAvailable (): Promise<boolean> {
    return this.available
  }

  getSelectedStorageBackend (): Backend {
    return this.backend
  }

  async encryptStringAsync (plainText: string): Promise<Buffer> {
    this.calls.push('encrypt')
    const iv = randomBytes(12)
    const cipher = createCipheriv('aes-256-gcm', this.key(), iv)
    const body = Buffer.concat([cipher.update(plainText, 'utf8'), cipher.final()])
    return Buffer.concat([Buffer.from('v11'), iv, cipher.getAuthTag(), body])
  }

  async decryptStringAsync (encrypted: Buffer): Promise<{ shouldReEncrypt: boolean, result: string }> {
    this.calls.push('decrypt')
    const decipher = createDecipheriv('aes-256-gcm', this.key(), encrypted.subarray(3, 15))
    decipher.setAuthTag(encrypted.subarray(15, 31))
    const result = Buffer.concat([decipher.update(encrypted.subarray(31)), decipher.final()]).toString('utf8')
    return { shouldReEncrypt: false, result }
  }

  private key (): Buffer {
    let key = this.keys.get(this.backend)
    if (key == null) {
      key = randomBytes(32)
      this.keys.set(this.backend, key)
    }
    return key
  }
}

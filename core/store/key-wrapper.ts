import { randomBytes, scrypt as scryptCallback } from 'node:crypto'
import { xchacha20poly1305 } from '@noble/ciphers/chacha.js'
import { z } from 'zod'
import { InvalidParamsError, WrongPassphraseError } from '../errors.js'

/** Length of the random key that encrypts the database. */
export const DATABASE_KEY_BYTES = 32

/**
 * Wraps and unwraps the database key. The headless build uses a passphrase;
 * the desktop app supplies an implementation backed by the OS keystore.
 * Both produce an opaque, JSON-serialisable blob stored beside the database.
 */
export interface KeyWrapper {
  /** A short label stored with the blob, so the wrong wrapper fails clearly. */
  readonly kind: string
  wrap(key: Uint8Array): Promise<WrappedKey>
  /** Throws `WrongPassphraseError` when the secret does not match. */
  unwrap(wrapped: WrappedKey): Promise<Uint8Array>
}

export const wrappedKeySchema = z.object({
  version: z.literal(1),
  kind: z.string().min(1).max(32),
  params: z.record(z.string(), z.union([z.string().max(1024), z.number()])),
  ciphertext: z.string().max(1024)
})
export type WrappedKey = z.infer<typeof wrappedKeySchema>

/**
 * The database format a key file's database is in. Key files written before
 * the store moved to SQLCipher have no `store` field: their database is the
 * legacy libsql one, migrated once on open (core/store/legacy-store.ts).
 */
export const STORE_FORMAT = 'sqlcipher4'

/** `key.json`: the wrapped key and the format of the database it opens. */
export const keyFileSchema = wrappedKeySchema.extend({ store: z.literal(STORE_FORMAT).optional() })
export type KeyFile = z.infer<typeof keyFileSchema>

export interface ScryptCost {
  /** CPU/memory cost, a power of two. */
  N: number
  r: number
  p: number
}

/** 2^17 × 8 × 128 bytes = 128 MiB and roughly 0.3 s here: OWASP's scrypt floor. */
export const DEFAULT_SCRYPT_COST: ScryptCost = { N: 2 ** 17, r: 8, p: 1 }

/**
 * Bounds on the cost a key file may ask for. key.json is read before any
 * secret proves it genuine, so its parameters are hostile input: unbounded,
 * a crafted file makes scrypt allocate gigabytes or spin for minutes; with
 * N = 2 a file holds the key behind no real KDF at all.
 */
export const SCRYPT_LIMITS = Object.freeze({
  /** The weakest N accepted from a production key file; a wrapper built with a cheaper cost (tests, simulations) accepts down to its own. */
  minN: 2 ** 15,
  maxN: 2 ** 20,
  minR: 1,
  maxR: 32,
  minP: 1,
  maxP: 4,
  /** scrypt needs 128·N·r bytes: 256 MiB at most, twice the default. */
  maxMemoryBytes: 256 * 1024 * 1024
})

/**
 * Why `cost` is outside the bounds, or undefined when it is fine. `floorN`
 * is the smallest N accepted (see SCRYPT_LIMITS.minN).
 */
export function scryptCostProblem (cost: { N: unknown, r: unknown, p: unknown }, floorN: number = SCRYPT_LIMITS.minN): string | undefined {
  const { N, r, p } = cost
  if (typeof N !== 'number' || typeof r !== 'number' || typeof p !== 'number') return 'N, r and p must be numbers'
  if (!Number.isSafeInteger(N) || !Number.isSafeInteger(r) || !Number.isSafeInteger(p)) return 'N, r and p must be integers'
  if (N > SCRYPT_LIMITS.maxN) return `N = ${N} is above the maximum ${SCRYPT_LIMITS.maxN}`
  if (N < 2 || !Number.isInteger(Math.log2(N))) return `N = ${N} is not a power of two`
  if (N < floorN) return `N = ${N} is below the minimum ${floorN}`
  if (r < SCRYPT_LIMITS.minR || r > SCRYPT_LIMITS.maxR) return `r = ${r} is outside ${SCRYPT_LIMITS.minR}–${SCRYPT_LIMITS.maxR}`
  if (p < SCRYPT_LIMITS.minP || p > SCRYPT_LIMITS.maxP) return `p = ${p} is outside ${SCRYPT_LIMITS.minP}–${SCRYPT_LIMITS.maxP}`
  if (128 * N * r > SCRYPT_LIMITS.maxMemoryBytes) return `N and r ask for ${128 * N * r} bytes, more than ${SCRYPT_LIMITS.maxMemoryBytes}`
  return undefined
}

async function scrypt (passphrase: string, salt: Uint8Array, cost: ScryptCost): Promise<Uint8Array> {
  return await new Promise((resolve, reject) => {
    scryptCallback(passphrase.normalize('NFKC'), salt, 32, { ...cost, maxmem: 256 * cost.N * cost.r + 1024 * 1024 }, (err, key) => {
      if (err != null) reject(err)
      else resolve(new Uint8Array(key))
    })
  })
}

/**
 * Passphrase → scrypt → XChaCha20-Poly1305 key-encryption key. The AEAD tag
 * is what tells a wrong passphrase apart from a right one, before the
 * database is ever touched.
 */
export class PassphraseKeyWrapper implements KeyWrapper {
  readonly kind = 'passphrase-scrypt'
  private readonly passphrase: string
  private readonly cost: ScryptCost

  constructor (passphrase: string, cost: ScryptCost = DEFAULT_SCRYPT_COST) {
    if (passphrase.length === 0) throw new WrongPassphraseError('the passphrase must not be empty')
    const problem = scryptCostProblem(cost, Math.min(SCRYPT_LIMITS.minN, cost.N))
    if (problem != null) throw new InvalidParamsError(`bad scrypt cost: ${problem}`)
    this.passphrase = passphrase
    this.cost = cost
  }

  async wrap (key: Uint8Array): Promise<WrappedKey> {
    const salt = randomBytes(16)
    const nonce = randomBytes(24)
    const kek = await scrypt(this.passphrase, salt, this.cost)
    const ciphertext = xchacha20poly1305(kek, nonce, AAD).encrypt(key)
    return {
      version: 1,
      kind: this.kind,
      params: { N: this.cost.N, r: this.cost.r, p: this.cost.p, salt: toB64(salt), nonce: toB64(nonce) },
      ciphertext: toB64(ciphertext)
    }
  }

  async unwrap (wrapped: WrappedKey): Promise<Uint8Array> {
    if (wrapped.kind !== this.kind) throw new WrongPassphraseError(`this database key is wrapped by "${wrapped.kind}", not by a passphrase`)
    const { N, r, p, salt, nonce } = wrapped.params
    // The production floor, or this wrapper's own N when it was built cheaper (tests, simulations).
    const problem = scryptCostProblem({ N, r, p }, Math.min(SCRYPT_LIMITS.minN, this.cost.N))
    if (problem != null || typeof N !== 'number' || typeof r !== 'number' || typeof p !== 'number' || typeof salt !== 'string' || typeof nonce !== 'string') {
      throw new WrongPassphraseError(`the key file is damaged: bad scrypt parameters (${problem ?? 'salt and nonce must be strings'})`)
    }
    const kek = await scrypt(this.passphrase, fromB64(salt), { N, r, p })
    try {
      return xchacha20poly1305(kek, fromB64(nonce), AAD).decrypt(fromB64(wrapped.ciphertext))
    } catch {
      throw new WrongPassphraseError()
    }
  }
}

const AAD = new TextEncoder().encode('parley database key v1')

function toB64 (bytes: Uint8Array): string {
  return Buffer.from(bytes).toString('base64')
}

function fromB64 (text: string): Uint8Array {
  return new Uint8Array(Buffer.from(text, 'base64'))
}

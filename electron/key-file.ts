import { readFileSync } from 'node:fs'
import { join } from 'node:path'
import { wrappedKeySchema } from '../core/host/key-wrapper.js'
import { PASSPHRASE_KIND, SAFE_STORAGE_KIND } from './key-policy.js'
import type { StoredKey } from './key-policy.js'

/** core/store's KEY_FILE (the tests hold the two equal; importing it would pull the native store into main). */
export const KEY_FILE_NAME = 'key.json'

/** What the data dir's key file says about how the key is wrapped. Main reads no other file of the engine's. */
export function readStoredKey (dataDir: string): StoredKey {
  let text: string
  try {
    text = readFileSync(join(dataDir, KEY_FILE_NAME), 'utf8')
  } catch (err) {
    if ((err as { code?: unknown }).code === 'ENOENT') return { kind: 'none' }
    return { kind: 'unsupported', detail: `${KEY_FILE_NAME} cannot be read: ${(err as Error).message}` }
  }
  let json: unknown
  try {
    json = JSON.parse(text)
  } catch {
    return { kind: 'unsupported', detail: `${KEY_FILE_NAME} is damaged: not JSON.` }
  }
  return classifyStoredKey(json)
}

export function classifyStoredKey (json: unknown): StoredKey {
  const parsed = wrappedKeySchema.safeParse(json)
  if (!parsed.success) return { kind: 'unsupported', detail: `${KEY_FILE_NAME} is damaged: it is not a wrapped key.` }
  const { kind, params } = parsed.data
  if (kind === PASSPHRASE_KIND) return { kind: 'passphrase' }
  if (kind === SAFE_STORAGE_KIND) {
    const backend = params.backend
    if (typeof backend !== 'string' || backend === '') return { kind: 'unsupported', detail: `${KEY_FILE_NAME} is damaged: it does not say which keystore holds the key.` }
    return { kind: 'safe-storage', backend }
  }
  return { kind: 'unsupported', detail: `${KEY_FILE_NAME} holds a key wrapped by "${kind}", which this app does not know.` }
}

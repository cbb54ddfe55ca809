import { mkdir, readFile, writeFile } from 'node:fs/promises'
import { join } from 'node:path'
import { generateKeyPair, privateKeyFromProtobuf, privateKeyToProtobuf } from '@libp2p/crypto/keys'
import type { Ed25519PrivateKey } from '@libp2p/interface'
import { ParleyError, errorMessage } from '../errors.js'

export const RELAY_KEY_FILE = 'relay.key'

/**
 * The relay's Ed25519 key from `<dataDir>/relay.key`, created on first run
 * (directory 0700, file 0600), so its PeerId, which clients are configured
 * with, survives restarts.
 */
export async function loadOrCreateRelayKey (dataDir: string): Promise<Ed25519PrivateKey> {
  await mkdir(dataDir, { recursive: true, mode: 0o700 })
  const path = join(dataDir, RELAY_KEY_FILE)
  const stored = await readKeyFile(path)
  if (stored != null) return decodeKey(path, stored)

  const key = await generateKeyPair('Ed25519')
  try {
    // 'wx': never overwrite a key another process wrote in the meantime.
    await writeFile(path, privateKeyToProtobuf(key), { mode: 0o600, flag: 'wx' })
  } catch (err) {
    if (isErrnoCode(err, 'EEXIST')) return decodeKey(path, await readFile(path))
    throw new ParleyError('internal', `cannot write ${path}: ${errorMessage(err)}`, { cause: err })
  }
  return key
}

async function readKeyFile (path: string): Promise<Uint8Array | undefined> {
  try {
    return await readFile(path)
  } catch (err) {
    if (isErrnoCode(err, 'ENOENT')) return undefined
    throw new ParleyError('internal', `cannot read ${path}: ${errorMessage(err)}`, { cause: err })
  }
}

function decodeKey (path: string, bytes: Uint8Array): Ed25519PrivateKey {
  let key
  try {
    key = privateKeyFromProtobuf(bytes)
  } catch (err) {
    throw new ParleyError('internal', `${path} is not a private key: ${errorMessage(err)}`, { cause: err })
  }
  if (key.type !== 'Ed25519') throw new ParleyError('internal', `${path} holds a ${key.type} key, expected Ed25519`)
  return key
}

function isErrnoCode (err: unknown, code: string): boolean {
  return err instanceof Error && (err as NodeJS.ErrnoException).code === code
}

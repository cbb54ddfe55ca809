import { randomBytes } from 'node:crypto'
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { ParleyDatabase } from '../../core/store/database.js'

/** A fresh directory under the OS temp dir; `remove()` deletes it. */
export function tempDir (label = 'parley'): { path: string, remove: () => void } {
  const path = mkdtempSync(join(tmpdir(), `${label}-`))
  return { path, remove: () => { rmSync(path, { recursive: true, force: true }) } }
}

/** A real encrypted database in a temp dir, with a random key. */
export function tempDatabase (): { db: ParleyDatabase, dir: string, key: Uint8Array, cleanup: () => Promise<void> } {
  const dir = tempDir('parley-db')
  const key = randomBytes(32)
  const db = ParleyDatabase.openWithKey(join(dir.path, 'parley.db'), key)
  return { db, dir: dir.path, key, cleanup: async () => { await db.close(); dir.remove() } }
}

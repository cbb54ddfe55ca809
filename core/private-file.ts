import { closeSync, fsyncSync, openSync, renameSync, rmSync, writeSync } from 'node:fs'

/**
 * Writes a file only its owner can read (mode 0600), atomically: readers see
 * the old content or the new, never a torn write, and after a crash the old
 * file is still whole. Used for key.json and api.json.
 */
export function writePrivateFileAtomic (path: string, text: string): void {
  const tmp = `${path}.tmp`
  // A leftover temp file would keep its old mode: start from none.
  rmSync(tmp, { force: true })
  const fd = openSync(tmp, 'w', 0o600)
  try {
    writeSync(fd, text)
    fsyncSync(fd)
  } catch (err) {
    closeSync(fd)
    rmSync(tmp, { force: true })
    throw err
  }
  closeSync(fd)
  renameSync(tmp, path)
}

import { closeSync, openSync, readFileSync, rmSync, writeSync } from 'node:fs'
import { join } from 'node:path'
import { ParleyError } from '../errors.js'

export const LOCK_FILE = 'lock'

/**
 * One engine per data directory: two would interleave writes to the same
 * database and fight over the same PeerId. The lock is a file holding the
 * owner's pid; a lock left by a process that no longer runs is taken over.
 */
export class DataDirLock {
  /** Lock files this process holds: a second engine here on the same directory is refused too. */
  private static readonly held = new Map<string, DataDirLock>()

  private constructor (private readonly path: string) {}

  static acquire (dataDir: string): DataDirLock {
    const path = join(dataDir, LOCK_FILE)
    if (DataDirLock.held.has(path)) throw new ParleyError('data_dir_locked', `${dataDir} is already in use by this process`)
    for (let attempt = 0; attempt < 2; attempt++) {
      try {
        const fd = openSync(path, 'wx', 0o600)
        writeSync(fd, String(process.pid))
        closeSync(fd)
        const lock = new DataDirLock(path)
        DataDirLock.held.set(path, lock)
        return lock
      } catch (err) {
        if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw err
        const owner = Number.parseInt(readFileSync(path, 'utf8'), 10)
        if (Number.isInteger(owner) && owner !== process.pid && isRunning(owner)) {
          throw new ParleyError('data_dir_locked', `another Parley (pid ${owner}) is using ${dataDir}`)
        }
        rmSync(path, { force: true })
      }
    }
    throw new ParleyError('data_dir_locked', `could not lock ${dataDir}`)
  }

  release (): void {
    // Only the current holder removes the file: a stale handle must not unlock someone else.
    if (DataDirLock.held.get(this.path) !== this) return
    DataDirLock.held.delete(this.path)
    rmSync(this.path, { force: true })
  }
}

function isRunning (pid: number): boolean {
  try {
    process.kill(pid, 0)
    return true
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'EPERM'
  }
}

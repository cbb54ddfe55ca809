import { randomBytes } from 'node:crypto'
import { linkSync, readFileSync, readdirSync, rmSync } from 'node:fs'
import { join, resolve } from 'node:path'
import { ParleyError } from '../errors.js'
import { createPrivateFile, ensurePrivateDir } from '../private-file.js'

/** Lock files are named `lock.<generation>`; the highest generation present is the lock. */
export const LOCK_PREFIX = 'lock.'
const LOCK_NAME = /^lock\.(\d{1,15})$/

/** Rounds of look-and-take before giving up; each lost round means another process moved first. */
const MAX_ATTEMPTS = 16

/** Who holds a lock: enough to tell a running owner from a dead one whose pid was reused. */
interface LockOwner {
  pid: number
  /** The kernel's boot id; a lock from an earlier boot is stale whatever its pid. Empty where unknown. */
  boot: string
  /** The owner's start time in clock ticks since boot (/proc/<pid>/stat). Empty where unknown. */
  start: string
}

/**
 * One engine per data directory: two would interleave writes to the same
 * database and fight over the same PeerId. Every process that opens the
 * database — the engine, the daemon's onboarding, `parley init` — holds this
 * lock first.
 *
 * Design (no flock in Node, so plain files, made race-free by link(2)):
 * - The lock is the file `lock.<n>` with the highest n. It holds the owner's
 *   pid, boot id and process start time. It is written complete to a private
 *   temp file and published with link(), which fails when the name exists:
 *   no reader ever sees a half-written lock, and of any number of processes
 *   racing for the same n exactly one wins.
 * - A lock whose owner is gone (no such process, or the pid now belongs to a
 *   process started at another time or boot) is taken over by publishing
 *   n+1, never by deleting or rewriting n: with delete-then-create, two
 *   processes that both saw the stale lock could each delete the other's
 *   fresh one and both believe they hold it.
 * - After winning n+1 the holder checks that no higher generation exists (a
 *   slow contender could have re-created a generation that cleanup had just
 *   removed; that contender sees the higher one and backs off), then removes
 *   the older generations. Release removes the holder's own file only.
 */
export class DataDirLock {
  /** Data dirs this process holds: a second engine here on the same directory is refused too. */
  private static readonly held = new Map<string, DataDirLock>()

  private constructor (private readonly dir: string, private readonly path: string) {}

  /** Checks the directory is private (see ensurePrivateDir), then locks it or throws `data_dir_locked`. */
  static acquire (dataDir: string): DataDirLock {
    ensurePrivateDir(dataDir)
    const dir = resolve(dataDir)
    if (DataDirLock.held.has(dir)) throw new ParleyError('data_dir_locked', `${dataDir} is already in use by this process`)
    const me = JSON.stringify(currentOwner())
    for (let attempt = 0; attempt < MAX_ATTEMPTS; attempt++) {
      const newest = newestGeneration(dir)
      if (newest != null) {
        const owner = readOwner(join(dir, lockName(newest)))
        // Released or superseded while we looked: look again.
        if (owner === 'gone') continue
        if (owner !== 'damaged' && owner.pid !== process.pid && isRunning(owner)) {
          throw new ParleyError('data_dir_locked', `another Parley (pid ${owner.pid}) is using ${dataDir}`)
        }
      }
      const generation = (newest ?? 0) + 1
      const path = join(dir, lockName(generation))
      if (!publish(dir, path, me)) continue
      if (newestGeneration(dir) !== generation) {
        rmSync(path, { force: true })
        continue
      }
      for (const older of generations(dir).filter(g => g < generation)) rmSync(join(dir, lockName(older)), { force: true })
      const lock = new DataDirLock(dir, path)
      DataDirLock.held.set(dir, lock)
      return lock
    }
    throw new ParleyError('data_dir_locked', `could not lock ${dataDir}: other processes keep taking the lock`)
  }

  release (): void {
    // Only the current holder removes its file: a stale handle must not unlock someone else.
    if (DataDirLock.held.get(this.dir) !== this) return
    DataDirLock.held.delete(this.dir)
    rmSync(this.path, { force: true })
  }
}

function lockName (generation: number): string {
  return `${LOCK_PREFIX}${generation}`
}

function generations (dir: string): number[] {
  return readdirSync(dir).flatMap(name => {
    const match = LOCK_NAME.exec(name)
    return match == null ? [] : [Number(match[1])]
  })
}

function newestGeneration (dir: string): number | undefined {
  const all = generations(dir)
  return all.length === 0 ? undefined : Math.max(...all)
}

/** Writes the owner record to a private temp file and links it to `path`; false when `path` exists. */
function publish (dir: string, path: string, owner: string): boolean {
  const tmp = join(dir, `.lock-${process.pid}-${randomBytes(6).toString('hex')}.tmp`)
  createPrivateFile(tmp, owner)
  try {
    linkSync(tmp, path)
    return true
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'EEXIST') return false
    throw err
  } finally {
    rmSync(tmp, { force: true })
  }
}

function readOwner (path: string): LockOwner | 'gone' | 'damaged' {
  let text: string
  try {
    text = readFileSync(path, 'utf8')
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return 'gone'
    throw err
  }
  try {
    const parsed = JSON.parse(text) as Partial<LockOwner>
    if (typeof parsed.pid === 'number' && Number.isSafeInteger(parsed.pid) && parsed.pid > 0 &&
      typeof parsed.boot === 'string' && typeof parsed.start === 'string') {
      return { pid: parsed.pid, boot: parsed.boot, start: parsed.start }
    }
  } catch {
    // falls through: not a lock this code wrote
  }
  return 'damaged'
}

function currentOwner (): LockOwner {
  return { pid: process.pid, boot: BOOT_ID, start: startTimeOf(process.pid) ?? '' }
}

/** True while the owner's process runs: same boot, the pid exists, and it started when the owner did. */
function isRunning (owner: LockOwner): boolean {
  if (owner.boot !== '' && BOOT_ID !== '' && owner.boot !== BOOT_ID) return false
  try {
    process.kill(owner.pid, 0)
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'EPERM') return false
  }
  const start = owner.start === '' ? undefined : startTimeOf(owner.pid)
  return start == null || start === owner.start
}

const BOOT_ID = readOptional('/proc/sys/kernel/random/boot_id')?.trim() ?? ''

/** Field 22 of /proc/<pid>/stat (Linux); undefined elsewhere or when the process is gone. */
function startTimeOf (pid: number): string | undefined {
  const stat = readOptional(`/proc/${pid}/stat`)
  if (stat == null) return undefined
  // The command name (field 2) may hold spaces and parentheses: count from the last ')'.
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ')
  return fields[19]
}

function readOptional (path: string): string | undefined {
  try {
    return readFileSync(path, 'utf8')
  } catch {
    return undefined
  }
}

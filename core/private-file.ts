import { chmodSync, closeSync, constants, fsyncSync, mkdirSync, openSync, renameSync, rmSync, statSync, writeSync } from 'node:fs'
import { InvalidParamsError } from './errors.js'

/**
 * open(2) flags for a private file that must be new: O_EXCL fails when the
 * name exists, and O_NOFOLLOW when it is a symlink someone planted there
 * (O_EXCL alone already refuses a dangling one; both say what we mean).
 * Windows has no O_NOFOLLOW.
 */
const CREATE_NEW = constants.O_WRONLY | constants.O_CREAT | constants.O_EXCL | (constants.O_NOFOLLOW ?? 0)

/** Group and other permission bits: a private directory or file has none. */
const SHARED_BITS = 0o077

/**
 * Creates a file only its owner can read (mode 0600) holding `text`. Fails
 * with EEXIST when anything, a symlink included, already has the name.
 */
export function createPrivateFile (path: string, text: string, options: { sync?: boolean } = {}): void {
  const fd = openSync(path, CREATE_NEW, 0o600)
  try {
    writeSync(fd, text)
    if (options.sync === true) fsyncSync(fd)
  } catch (err) {
    closeSync(fd)
    rmSync(path, { force: true })
    throw err
  }
  closeSync(fd)
}

/**
 * Writes a file only its owner can read (mode 0600), atomically: readers see
 * the old content or the new, never a torn write, and after a crash the old
 * file is still whole. Used for key.json and api.json.
 */
export function writePrivateFileAtomic (path: string, text: string): void {
  const tmp = `${path}.tmp`
  // A leftover temp file (or a symlink in its place) is removed, never followed.
  rmSync(tmp, { force: true })
  createPrivateFile(tmp, text, { sync: true })
  renameSync(tmp, path)
}

/**
 * Makes `dir` (mode 0700) or checks the existing one: it must be a directory
 * owned by this user, and group or other permission bits on it are removed,
 * so the keys and history inside are not readable by other local users.
 * A directory owned by someone else is refused: its owner could read or
 * replace anything we put there. (Windows has no uid; it is not checked there.)
 */
export function ensurePrivateDir (dir: string): void {
  try {
    mkdirSync(dir, { recursive: true, mode: 0o700 })
  } catch (err) {
    // Something that is not a directory has the name: said below.
    if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw err
  }
  // stat, not lstat: the data directory may be a symlink to where the user keeps it.
  const info = statSync(dir)
  if (!info.isDirectory()) throw new InvalidParamsError(`${dir} is not a directory`)
  const uid = process.getuid?.()
  if (uid != null && info.uid !== uid) {
    throw new InvalidParamsError(`${dir} belongs to another user (uid ${info.uid}); Parley keeps its keys only in a directory of its own`)
  }
  if ((info.mode & SHARED_BITS) !== 0) chmodSync(dir, 0o700)
}

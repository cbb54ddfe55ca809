import { mkdtempSync, statfsSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'

/** RAM-backed and shared by every Linux process. */
const SHARED_MEMORY_DIR = '/dev/shm'
/** Leave /dev/shm alone when it is this small (containers often give it 64 MiB). */
const MIN_FREE_BYTES = 1024 * 1024 * 1024

/**
 * A fresh directory for a simulation's data dirs, inside `parent` when given,
 * else in RAM when the machine has room there, else in the system temp dir.
 * Returns it with the parent it was made in.
 *
 * Why RAM: every commit of an engine's database waits for fsync, and in a
 * simulation dozens of engines share one event loop, so each fsync stalls
 * them all. On this kind of machine that was a quarter of all the time spent
 * sending — a figure about the disk, not about Parley. The databases stay
 * real SQLite files with the same settings; only the medium changes.
 */
export function makeSimRoot (parent?: string): { dir: string, parent: string } {
  const where = parent ?? (hasRoom(SHARED_MEMORY_DIR) ? SHARED_MEMORY_DIR : tmpdir())
  return { dir: mkdtempSync(join(where, 'parley-sim-')), parent: where }
}

function hasRoom (dir: string): boolean {
  try {
    const stats = statfsSync(dir)
    return stats.bavail * stats.bsize >= MIN_FREE_BYTES
  } catch {
    return false
  }
}

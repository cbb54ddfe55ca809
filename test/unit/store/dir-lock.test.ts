import { chmodSync, chownSync, mkdirSync, readFileSync, readdirSync, statSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { afterEach, describe, expect, it } from 'vitest'
import { DataDirLock, LOCK_PREFIX } from '../../../core/store/dir-lock.js'
import { Child } from '../../helpers/child.js'
import { tempDir } from '../../helpers/temp.js'

// Contending processes load the compiled module: `npm test` builds first.
const LOCK_MODULE = new URL('../../../dist/core/store/dir-lock.js', import.meta.url).href

/**
 * A process that takes the lock on LOCK_DIR, retrying while another holds it.
 * LOCK_MODE `hold`: prints `acquired <pid>` and holds it until killed.
 * `once`: tries once and prints `locked` when it is held elsewhere.
 * `die`: marks the lock held (mkdir `held`, which fails if another holder
 * marked it), unmarks it a moment later (which fails if another holder
 * unmarked it), printing `overlap` on either failure, then exits without
 * releasing, leaving a dead holder's lock for the next one to take over.
 */
const CONTENDER = `
const { mkdirSync, rmdirSync } = await import('node:fs')
const { join } = await import('node:path')
const { DataDirLock } = await import(process.env.LOCK_MODULE)
const dir = process.env.LOCK_DIR
const mode = process.env.LOCK_MODE
for (;;) {
  try {
    DataDirLock.acquire(dir)
    break
  } catch (err) {
    if (err.code !== 'data_dir_locked') { process.stdout.write('error ' + err.message + '\\n'); process.exit(1) }
    if (mode === 'once') { process.stdout.write('locked\\n'); process.exit(0) }
  }
  await new Promise(resolve => setImmediate(resolve))
}
if (mode === 'die') {
  try { mkdirSync(join(dir, 'held')) } catch { process.stdout.write('overlap\\n') }
  await new Promise(resolve => setTimeout(resolve, 2))
  try { rmdirSync(join(dir, 'held')) } catch { process.stdout.write('overlap\\n') }
  process.stdout.write('acquired ' + process.pid + '\\n')
  process.exit(0)
}
process.stdout.write('acquired ' + process.pid + '\\n')
setInterval(() => {}, 1 << 30)
`

const dirs: Array<{ remove: () => void }> = []
const children: Child[] = []
afterEach(async () => {
  for (const child of children.splice(0)) await child.kill('SIGKILL')
  for (const d of dirs.splice(0)) d.remove()
})

function dir (): string {
  const d = tempDir('parley-lock')
  dirs.push(d)
  return d.path
}

function contender (lockDir: string, mode: 'hold' | 'once' | 'die' = 'hold'): Child {
  const child = new Child(process.execPath, ['--input-type=module', '-e', CONTENDER], { ...process.env, LOCK_MODULE, LOCK_DIR: lockDir, LOCK_MODE: mode })
  children.push(child)
  return child
}

function lockFiles (path: string): string[] {
  return readdirSync(path).filter(name => name.startsWith(LOCK_PREFIX))
}

function procStartTime (pid: number): string {
  const stat = readFileSync(`/proc/${pid}/stat`, 'utf8')
  return stat.slice(stat.lastIndexOf(')') + 2).split(' ')[19]
}

const linux = process.platform === 'linux'

describe('DataDirLock', () => {
  it('refuses a second holder in the same process until the first releases', () => {
    const path = dir()
    const first = DataDirLock.acquire(path)
    expect(lockFiles(path)).toHaveLength(1)
    expect(() => DataDirLock.acquire(path)).toThrow(expect.objectContaining({ code: 'data_dir_locked' }))
    first.release()
    expect(lockFiles(path)).toEqual([])
    DataDirLock.acquire(path).release()
  })

  it('refuses a directory another running process holds, and takes it over once that process is killed', async () => {
    const path = dir()
    const holder = contender(path)
    const pid = Number((await holder.line('acquired ')).split(' ')[1])
    expect(() => DataDirLock.acquire(path)).toThrow(new RegExp(`another Parley \\(pid ${pid}\\)`))
    await holder.kill('SIGKILL')
    const lock = DataDirLock.acquire(path)
    // The dead holder's generation is gone; only ours is left.
    expect(lockFiles(path)).toHaveLength(1)
    lock.release()
  })

  it.runIf(linux)('tells a live owner from a dead one whose pid was reused, by its start time', () => {
    const path = dir()
    const boot = readFileSync('/proc/sys/kernel/random/boot_id', 'utf8').trim()
    // Our parent runs: with its real start time the lock is respected...
    writeFileSync(join(path, `${LOCK_PREFIX}1`), JSON.stringify({ pid: process.ppid, boot, start: procStartTime(process.ppid) }))
    expect(() => DataDirLock.acquire(path)).toThrow(/another Parley/)
    // ...with another start time it was some earlier process that had the same pid.
    writeFileSync(join(path, `${LOCK_PREFIX}1`), JSON.stringify({ pid: process.ppid, boot, start: '1' }))
    DataDirLock.acquire(path).release()
    // And a lock from another boot is stale whatever its pid.
    writeFileSync(join(path, `${LOCK_PREFIX}1`), JSON.stringify({ pid: process.ppid, boot: 'an earlier boot', start: procStartTime(process.ppid) }))
    DataDirLock.acquire(path).release()
  })

  it('takes over a lock file that is damaged', () => {
    const path = dir()
    writeFileSync(join(path, `${LOCK_PREFIX}7`), 'not a lock')
    const lock = DataDirLock.acquire(path)
    expect(lockFiles(path)).toEqual([`${LOCK_PREFIX}8`])
    lock.release()
  })

  it('releasing twice, or a handle that no longer holds the lock, leaves the current holder alone', () => {
    const path = dir()
    const lock = DataDirLock.acquire(path)
    lock.release()
    const next = DataDirLock.acquire(path)
    lock.release()
    expect(lockFiles(path)).toHaveLength(1)
    next.release()
  })

  it('admits one holder at a time while many processes race to take over dead holders\' locks', async () => {
    const path = dir()
    const CONTENDERS = 16
    // Each takes the lock, holds it a moment and dies without releasing it,
    // so every one after the first wins it in a takeover raced by all the others.
    const racers = Array.from({ length: CONTENDERS }, () => contender(path, 'die'))
    const exits = await Promise.all(racers.map(async child => await child.exited))
    const lines = racers.flatMap(child => child.lines)
    expect(lines.filter(line => line === 'overlap' || line.startsWith('error '))).toEqual([])
    expect(exits.map(e => e.code)).toEqual(racers.map(() => 0))
    expect(lines.filter(line => line.startsWith('acquired '))).toHaveLength(CONTENDERS)
  })

  it('a lock attempt from another process while one holds it fails cleanly', async () => {
    const path = dir()
    const lock = DataDirLock.acquire(path)
    const other = contender(path, 'once')
    await other.line('locked')
    expect(lockFiles(path)).toHaveLength(1)
    lock.release()
  })
})

describe('the data directory', () => {
  it('is made private when others could read it', () => {
    const path = join(dir(), 'data')
    mkdirSync(path, { mode: 0o755 })
    chmodSync(path, 0o755)
    DataDirLock.acquire(path).release()
    expect(statSync(path).mode & 0o777).toBe(0o700)
  })

  it('is created private when missing', () => {
    const path = join(dir(), 'new', 'data')
    DataDirLock.acquire(path).release()
    expect(statSync(path).mode & 0o777).toBe(0o700)
  })

  it.runIf(process.getuid?.() === 0)('is refused, and left as it is, when another user owns it', () => {
    const path = join(dir(), 'theirs')
    mkdirSync(path, { mode: 0o755 })
    chownSync(path, 65534, 65534)
    expect(() => DataDirLock.acquire(path)).toThrow(/belongs to another user/)
    expect(statSync(path).mode & 0o777).toBe(0o755)
    expect(readdirSync(path)).toEqual([])
  })

  it('must be a directory', () => {
    const path = join(dir(), 'file')
    writeFileSync(path, '')
    expect(() => DataDirLock.acquire(path)).toThrow(/is not a directory/)
  })
})

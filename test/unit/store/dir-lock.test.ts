import { existsSync, readFileSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { afterEach, describe, expect, it } from 'vitest'
import { DataDirLock, LOCK_FILE } from '../../../core/store/dir-lock.js'
import { tempDir } from '../../helpers/temp.js'

const dirs: Array<{ remove: () => void }> = []
afterEach(() => { for (const d of dirs.splice(0)) d.remove() })

function dir (): string {
  const d = tempDir('parley-lock')
  dirs.push(d)
  return d.path
}

describe('DataDirLock', () => {
  it('refuses a second holder in the same process until the first releases', () => {
    const path = dir()
    const first = DataDirLock.acquire(path)
    expect(readFileSync(join(path, LOCK_FILE), 'utf8')).toBe(String(process.pid))
    expect(() => DataDirLock.acquire(path)).toThrow(expect.objectContaining({ code: 'data_dir_locked' }))
    first.release()
    expect(existsSync(join(path, LOCK_FILE))).toBe(false)
    DataDirLock.acquire(path).release()
  })

  it('refuses a directory locked by another running process', () => {
    const path = dir()
    // pid 1 always runs; its lock must be respected.
    writeFileSync(join(path, LOCK_FILE), '1')
    expect(() => DataDirLock.acquire(path)).toThrow(/another Parley \(pid 1\)/)
    expect(readFileSync(join(path, LOCK_FILE), 'utf8')).toBe('1')
  })

  it('takes over a lock left by a process that is gone', () => {
    const path = dir()
    writeFileSync(join(path, LOCK_FILE), '999999999')
    const lock = DataDirLock.acquire(path)
    expect(readFileSync(join(path, LOCK_FILE), 'utf8')).toBe(String(process.pid))
    lock.release()
  })

  it('releasing twice, or a lock that was taken over, leaves the current holder alone', () => {
    const path = dir()
    const lock = DataDirLock.acquire(path)
    lock.release()
    const next = DataDirLock.acquire(path)
    lock.release()
    expect(existsSync(join(path, LOCK_FILE))).toBe(true)
    next.release()
  })
})

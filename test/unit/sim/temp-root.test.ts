import { existsSync, mkdtempSync, rmSync, statSync, statfsSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { dirname, join } from 'node:path'
import { afterEach, describe, expect, it } from 'vitest'
import { makeSimRoot } from '../../../core/sim/temp-root.js'

const made: string[] = []
afterEach(() => { for (const dir of made.splice(0)) rmSync(dir, { recursive: true, force: true }) })

describe('makeSimRoot', () => {
  it('makes a fresh directory inside the parent it is given', () => {
    const parent = mkdtempSync(join(tmpdir(), 'parley-root-test-'))
    made.push(parent)
    const a = makeSimRoot(parent)
    const b = makeSimRoot(parent)
    expect(a.parent).toBe(parent)
    expect(dirname(a.dir)).toBe(parent)
    expect(a.dir).not.toBe(b.dir)
    expect(statSync(a.dir).isDirectory()).toBe(true)
  })

  it('uses /dev/shm when it has room, the system temp dir otherwise', () => {
    const root = makeSimRoot()
    made.push(root.dir)
    expect(['/dev/shm', tmpdir()]).toContain(root.parent)
    if (existsSync('/dev/shm') && root.parent === tmpdir()) {
      // Only a small /dev/shm (a container's 64 MiB) may send it to disk.
      const { bavail, bsize } = statfsSync('/dev/shm')
      expect(bavail * bsize).toBeLessThan(1024 ** 3)
    }
    expect(statSync(root.dir).isDirectory()).toBe(true)
  })
})

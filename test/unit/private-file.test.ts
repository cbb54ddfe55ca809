import { existsSync, readFileSync, statSync, symlinkSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { afterEach, describe, expect, it } from 'vitest'
import { createPrivateFile, writePrivateFileAtomic } from '../../core/private-file.js'
import { tempDir } from '../helpers/temp.js'

const dirs: Array<{ remove: () => void }> = []
afterEach(() => { for (const d of dirs.splice(0)) d.remove() })

function dir (): string {
  const d = tempDir('parley-private')
  dirs.push(d)
  return d.path
}

describe('private files', () => {
  it('are created with mode 0600 whatever the umask', () => {
    const path = join(dir(), 'secret')
    const before = process.umask(0)
    try {
      createPrivateFile(path, 'key')
    } finally {
      process.umask(before)
    }
    expect(statSync(path).mode & 0o777).toBe(0o600)
    expect(readFileSync(path, 'utf8')).toBe('key')
  })

  it('never write through a symlink planted in their place, nor over an existing file', () => {
    const root = dir()
    const victim = join(root, 'victim')
    writeFileSync(victim, 'untouched', { mode: 0o644 })
    const planted = join(root, 'key.json')
    symlinkSync(victim, planted)
    expect(() => { createPrivateFile(planted, 'secret') }).toThrow(expect.objectContaining({ code: 'EEXIST' }))
    const dangling = join(root, 'dangling')
    symlinkSync(join(root, 'nowhere'), dangling)
    expect(() => { createPrivateFile(dangling, 'secret') }).toThrow(expect.objectContaining({ code: 'EEXIST' }))
    expect(() => { createPrivateFile(victim, 'secret') }).toThrow(expect.objectContaining({ code: 'EEXIST' }))
    expect(readFileSync(victim, 'utf8')).toBe('untouched')
    expect(existsSync(join(root, 'nowhere'))).toBe(false)
  })

  it('are replaced atomically, and a symlink left at the temp name is removed, not followed', () => {
    const root = dir()
    const victim = join(root, 'victim')
    writeFileSync(victim, 'untouched')
    const path = join(root, 'api.json')
    symlinkSync(victim, `${path}.tmp`)
    writePrivateFileAtomic(path, 'one')
    writePrivateFileAtomic(path, 'two')
    expect(readFileSync(path, 'utf8')).toBe('two')
    expect(statSync(path).mode & 0o777).toBe(0o600)
    expect(readFileSync(victim, 'utf8')).toBe('untouched')
  })
})

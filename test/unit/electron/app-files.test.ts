import { resolve } from 'node:path'
import { describe, expect, it } from 'vitest'
import { resolveAppFile } from '../../../electron/app-files.js'

const ROOTS = { parley: '/app/dist/ui', passphrase: '/app/.vite/renderer/passphrase_window' }

describe('app:// file mapping', () => {
  it('serves files under each host\'s root, index.html for /', () => {
    expect(resolveAppFile(ROOTS, 'app://parley/')).toBe(resolve('/app/dist/ui/index.html'))
    expect(resolveAppFile(ROOTS, 'app://parley/index.html?x=1#y')).toBe(resolve('/app/dist/ui/index.html'))
    expect(resolveAppFile(ROOTS, 'app://parley/assets/index-abc.js')).toBe(resolve('/app/dist/ui/assets/index-abc.js'))
    expect(resolveAppFile(ROOTS, 'app://parley/assets/a%20b.css')).toBe(resolve('/app/dist/ui/assets/a b.css'))
    expect(resolveAppFile(ROOTS, 'app://passphrase/index.html')).toBe(resolve('/app/.vite/renderer/passphrase_window/index.html'))
  })

  it('keeps dot segments inside the root (the URL parser resolves them first)', () => {
    expect(resolveAppFile(ROOTS, 'app://parley/../../etc/passwd')).toBe(resolve('/app/dist/ui/etc/passwd'))
    expect(resolveAppFile(ROOTS, 'app://parley/%2e%2e/%2e%2e/etc/passwd')).toBe(resolve('/app/dist/ui/etc/passwd'))
  })

  it.each([
    'app://parley/assets/..%2f..%2f..%2fetc/passwd',
    'app://parley/%2e%2e%2f%2e%2e%2fetc/passwd',
    'app://parley/..%5c..%5cwindows',
    'app://parley/a%00.js',
    'app://parley/%E0%A4%A',
    'app://other/index.html',
    'app://toString/index.html',
    'app://__proto__/index.html',
    'app://u@parley/index.html',
    'app://parley:8080/index.html',
    'file:///app/dist/ui/index.html',
    'https://parley/index.html',
    'not a url'
  ])('refuses %s', url => {
    expect(resolveAppFile(ROOTS, url)).toBeUndefined()
  })
})

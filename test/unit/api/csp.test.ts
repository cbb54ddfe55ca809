import { readFileSync, readdirSync } from 'node:fs'
import { join, relative } from 'node:path'
import { fileURLToPath } from 'node:url'
import { describe, expect, it } from 'vitest'
import { contentSecurityPolicy, parseCsp } from '../../../core/api/csp.js'
import type { CspTarget } from '../../../core/api/csp.js'

const ROOT = fileURLToPath(new URL('../../../', import.meta.url))
const TARGETS: CspTarget[] = [{ target: 'electron' }, { target: 'electron-dev' }, { target: 'daemon', port: 41235 }, { target: 'meta' }]
const policies = TARGETS.map(target => ({ name: target.target, policy: contentSecurityPolicy(target), csp: parseCsp(contentSecurityPolicy(target)) }))
const strict = parseCsp(contentSecurityPolicy({ target: 'electron' }))

/** Source files that could carry a policy of their own. */
function sources (dir: string): string[] {
  return readdirSync(join(ROOT, dir), { withFileTypes: true, recursive: true })
    .filter(entry => entry.isFile() && /\.(ts|tsx|js|html)$/.test(entry.name))
    .map(entry => relative(ROOT, join(entry.parentPath, entry.name)))
}

describe('the one Content-Security-Policy', () => {
  it('defaults to self and allows no eval, wildcard, scheme source, data: or blob: in any form', () => {
    for (const { name, csp } of policies) {
      expect(csp.get('default-src'), name).toEqual(["'self'"])
      expect(csp.get('img-src'), name).toEqual(["'self'"])
      for (const [directive, sources] of csp) {
        for (const banned of ["'unsafe-eval'", "'unsafe-hashes'", "'wasm-unsafe-eval'", '*', 'http:', 'https:', 'data:', 'blob:', 'ws:']) {
          expect(sources, `${name} ${directive}`).not.toContain(banned)
        }
      }
    }
  })

  it('allows inline script and style only in the dev-server form', () => {
    for (const { name, csp } of policies) {
      const inline = name === 'electron-dev' ? ["'self'", "'unsafe-inline'"] : ["'self'"]
      expect(csp.get('script-src'), name).toEqual(inline)
      expect(csp.get('style-src'), name).toEqual(inline)
    }
  })

  it('differs between its forms only where a deliverer needs it to', () => {
    for (const { name, csp } of policies) {
      for (const [directive, sources] of strict) {
        if (directive === 'frame-ancestors' || directive === 'connect-src' || (name === 'electron-dev' && /^(script|style)-src$/.test(directive))) continue
        expect(csp.get(directive), `${name} ${directive}`).toEqual(sources)
      }
      expect([...csp.keys()].filter(d => !strict.has(d)), name).toEqual([])
    }
    // The daemon's page reaches its own WebSocket and nothing else.
    expect(parseCsp(contentSecurityPolicy({ target: 'daemon', port: 41235 })).get('connect-src')).toEqual(["'self'", 'ws://127.0.0.1:41235', 'ws://localhost:41235'])
    expect(strict.get('connect-src')).toEqual(["'self'"])
    // Headers forbid framing; a <meta> cannot (browsers ignore it there and complain in the console).
    expect(strict.get('frame-ancestors')).toEqual(["'none'"])
    expect(parseCsp(contentSecurityPolicy({ target: 'meta' })).has('frame-ancestors')).toBe(false)
  })

  it('shuts plugins, frames, base and form targets, and is one header-safe line', () => {
    for (const { name, policy, csp } of policies) {
      for (const directive of ['object-src', 'frame-src', 'base-uri', 'form-action', 'manifest-src']) expect(csp.get(directive), `${name} ${directive}`).toEqual(["'none'"])
      expect(policy).not.toMatch(/[\r\n"]/)
    }
  })

  it('is written nowhere else: Electron, the daemon and both Vite builds import it', () => {
    // Every place that serves or builds an app page (the sim's report is a standalone file with its own).
    const files = [...sources('core/api'), ...sources('core/host'), ...sources('electron'), ...sources('renderer'), ...readdirSync(ROOT).filter(f => /^vite\..*\.config\.ts$/.test(f))]
    const defining = files.filter(file => /default-src|script-src/.test(readFileSync(join(ROOT, file), 'utf8')))
    expect(defining).toEqual(['core/api/csp.ts'])
    for (const file of ['electron/main.ts', 'core/host/ui-server.ts', 'vite.renderer.config.ts', 'vite.passphrase.config.ts']) {
      expect(readFileSync(join(ROOT, file), 'utf8'), file).toMatch(/import \{ contentSecurityPolicy \} from '[./]*(core\/)?api\/csp\.js'/)
    }
  })
})

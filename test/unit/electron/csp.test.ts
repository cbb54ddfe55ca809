import { describe, expect, it } from 'vitest'
import { CONTENT_SECURITY_POLICY, DEV_SERVER_CONTENT_SECURITY_POLICY, parseCsp } from '../../../electron/csp.js'

describe('Content-Security-Policy', () => {
  const csp = parseCsp(CONTENT_SECURITY_POLICY)

  it('defaults to self and names script-src explicitly', () => {
    expect(csp.get('default-src')).toEqual(["'self'"])
    expect(csp.get('script-src')).toEqual(["'self'"])
  })

  it('allows no inline script, eval or wildcard anywhere', () => {
    for (const [directive, sources] of csp) {
      expect(sources, directive).not.toContain("'unsafe-inline'")
      expect(sources, directive).not.toContain("'unsafe-eval'")
      expect(sources, directive).not.toContain("'unsafe-hashes'")
      expect(sources, directive).not.toContain("'wasm-unsafe-eval'")
      expect(sources, directive).not.toContain('*')
      expect(sources, directive).not.toContain('http:')
      expect(sources, directive).not.toContain('https:')
    }
  })

  it('shuts plugins, frames, base and form targets', () => {
    expect(csp.get('object-src')).toEqual(["'none'"])
    expect(csp.get('frame-src')).toEqual(["'none'"])
    expect(csp.get('base-uri')).toEqual(["'none'"])
    expect(csp.get('form-action')).toEqual(["'none'"])
    expect(csp.get('connect-src')).toEqual(["'self'"])
  })

  it('is one header-safe line', () => {
    expect(CONTENT_SECURITY_POLICY).not.toMatch(/[\r\n"]/)
  })

  it('relaxes only inline script and style, and only in the dev-server variant', () => {
    const dev = parseCsp(DEV_SERVER_CONTENT_SECURITY_POLICY)
    expect(dev.get('script-src')).toEqual(["'self'", "'unsafe-inline'"])
    expect(dev.get('style-src')).toEqual(["'self'", "'unsafe-inline'"])
    for (const [directive, sources] of dev) {
      if (directive !== 'script-src' && directive !== 'style-src') expect(sources).toEqual(csp.get(directive))
      expect(sources).not.toContain("'unsafe-eval'")
    }
  })
})

import { describe, expect, it } from 'vitest'
import { MAX_EXTERNAL_URL_LENGTH, decideNavigation, externalLinkPrompt } from '../../../electron/navigation.js'
import { appOrigin, originOf } from '../../../electron/url-origin.js'

const APP = appOrigin()

describe('navigation allow-list', () => {
  it('keeps in-app navigation on the app\'s own origin only', () => {
    expect(APP).toBe('app://parley')
    expect(decideNavigation('app://parley/index.html', APP)).toEqual({ action: 'allow' })
    expect(decideNavigation('app://parley/index.html#/chat/abc', APP)).toEqual({ action: 'allow' })
    expect(decideNavigation('app://passphrase/index.html', APP).action).toBe('deny')
    expect(decideNavigation('app://parley.evil/index.html', APP).action).toBe('deny')
    // The dev server is the app's origin under `npm start`, and only its exact origin.
    expect(decideNavigation('http://localhost:5173/', 'http://localhost:5173')).toEqual({ action: 'allow' })
    expect(decideNavigation('http://localhost:5174/', 'http://localhost:5173').action).toBe('deny')
  })

  it.each([
    ['file:///etc/passwd'],
    ['file://host/share/x'],
    ['javascript:alert(1)'],
    ['JaVaScRiPt:alert(1)'],
    ['data:text/html,<script>alert(1)</script>'],
    ['http://example.com/'],
    ['http://parley/index.html'],
    ['ws://example.com/'],
    ['blob:app://parley/0b5d3b0e'],
    ['about:blank'],
    ['chrome://settings'],
    ['mailto:a@example.com'],
    ['not a url'],
    ['']
  ])('denies %s outright', url => {
    expect(decideNavigation(url, APP).action).toBe('deny')
  })

  it('denies userinfo tricks that make a link look like another host', () => {
    for (const url of ['https://parley.app@evil.com', 'https://parley.app:x@evil.com/', 'https://user@example.com/', 'app://x@parley/index.html']) {
      expect(decideNavigation(url, APP)).toMatchObject({ action: 'deny', reason: expect.stringMatching(/user name or password/) as unknown })
    }
  })

  it('never treats look-alike hosts as the app; they can only leave through the confirmation, which names the real host', () => {
    for (const lookAlike of ['https://parley.app.evil.com/', 'https://parley.evil.com/', 'https://evil.com/parley.app']) {
      const decision = decideNavigation(lookAlike, 'https://parley.app')
      expect(decision.action).toBe('confirm-external')
      expect(decision).not.toMatchObject({ host: 'parley.app' })
    }
    expect(decideNavigation('https://parley.app.evil.com/x', APP)).toEqual({ action: 'confirm-external', url: 'https://parley.app.evil.com/x', host: 'parley.app.evil.com' })
  })

  it('sends https: links only to the confirm-then-open path, in normal form', () => {
    expect(decideNavigation('HTTPS://Example.COM:443/a/../b?q=1#f', APP)).toEqual({ action: 'confirm-external', url: 'https://example.com/b?q=1#f', host: 'example.com' })
    // Look-alike letters show as punycode in the dialog.
    expect(decideNavigation('https://pаypal.com/', APP)).toMatchObject({ action: 'confirm-external', host: 'xn--pypal-4ve.com' })
  })

  it('refuses links too long to show honestly', () => {
    const long = `https://example.com/${'a'.repeat(MAX_EXTERNAL_URL_LENGTH)}`
    expect(decideNavigation(long, APP).action).toBe('deny')
  })

  it('puts the real host first in the confirmation', () => {
    const words = externalLinkPrompt({ url: 'https://parley.app.evil.com/login', host: 'parley.app.evil.com' })
    expect(words.message).toBe('Open parley.app.evil.com in your browser?')
    expect(words.detail).toContain('https://parley.app.evil.com/login')
    expect(words.buttons).toEqual(['Open in browser', 'Cancel'])
  })
})

describe('originOf', () => {
  it('builds origins for app: (which Node reports as "null") and refuses credentials', () => {
    expect(new URL('app://parley/x').origin).toBe('null')
    expect(originOf('app://parley/x')).toBe('app://parley')
    expect(originOf('http://localhost:5173/a')).toBe('http://localhost:5173')
    expect(originOf('https://a@b.com/')).toBeUndefined()
    expect(originOf('javascript:alert(1)')).toBeUndefined()
    expect(originOf('nonsense')).toBeUndefined()
  })
})

import { describe, expect, it } from 'vitest'
import { isTrustedSender } from '../../../electron/sender.js'
import type { FrameLike } from '../../../electron/sender.js'

const APP = 'app://parley'
const main: FrameLike = { url: 'app://parley/index.html', parent: null, processId: 4, frameToken: 'token-main' }

describe('IPC sender validation', () => {
  it('accepts the main frame of our window on the app origin', () => {
    expect(isTrustedSender({ ...main }, main, APP)).toBe(true)
    expect(isTrustedSender({ ...main, url: 'app://parley/index.html#/chat' }, main, APP)).toBe(true)
  })

  it('refuses a missing or detached frame', () => {
    expect(isTrustedSender(null, main, APP)).toBe(false)
    expect(isTrustedSender(undefined, main, APP)).toBe(false)
    expect(isTrustedSender(main, null, APP)).toBe(false)
    expect(isTrustedSender({ ...main, detached: true }, main, APP)).toBe(false)
  })

  it('refuses subframes, even on the app origin', () => {
    expect(isTrustedSender({ ...main, parent: main, frameToken: 'token-child' }, main, APP)).toBe(false)
    expect(isTrustedSender({ ...main, parent: main }, main, APP)).toBe(false)
  })

  it('refuses another window\'s frame', () => {
    expect(isTrustedSender({ ...main, frameToken: 'token-other' }, main, APP)).toBe(false)
    expect(isTrustedSender({ ...main, processId: 5 }, main, APP)).toBe(false)
  })

  it('refuses our frame once it shows another origin', () => {
    for (const url of ['https://evil.com/', 'app://passphrase/index.html', 'app://parley.evil/index.html', 'file:///index.html', 'app://x@parley/', 'about:blank', 'data:text/html,x']) {
      expect(isTrustedSender({ ...main, url }, main, APP), url).toBe(false)
    }
  })
})

import { describe, expect, it } from 'vitest'
import { internationalHost, linkify } from '../../../renderer/src/linkify.js'
import { groupSafetyNumber } from '../../../renderer/src/safety-number.js'
import { highlight } from '../../../renderer/src/highlight.js'

describe('linkify', () => {
  it('links http and https URLs and leaves the rest as text', () => {
    expect(linkify('see https://example.org/a?b=1#c and http://x.test')).toEqual([
      { kind: 'text', text: 'see ' },
      { kind: 'link', text: 'https://example.org/a?b=1#c', href: 'https://example.org/a?b=1#c' },
      { kind: 'text', text: ' and ' },
      { kind: 'link', text: 'http://x.test', href: 'http://x.test/' }
    ])
  })

  it('never links other schemes', () => {
    for (const text of ['javascript:alert(1)', 'JaVaScRiPt:alert(1)', 'data:text/html,<b>x</b>', 'file:///etc/passwd', 'vbscript:msgbox', 'ftp://example.org']) {
      expect(linkify(text)).toEqual([{ kind: 'text', text }])
    }
  })

  it('leaves sentence punctuation and unbalanced brackets outside the link', () => {
    expect(linkify('(see https://example.org/x).')).toEqual([
      { kind: 'text', text: '(see ' },
      { kind: 'link', text: 'https://example.org/x', href: 'https://example.org/x' },
      { kind: 'text', text: ').' }
    ])
    expect(linkify('https://en.wikipedia.org/wiki/Parley_(film)!')[0]).toEqual(
      { kind: 'link', text: 'https://en.wikipedia.org/wiki/Parley_(film)', href: 'https://en.wikipedia.org/wiki/Parley_(film)' })
  })

  it('does not link a scheme without a host', () => {
    expect(linkify('https://')).toEqual([{ kind: 'text', text: 'https://' }])
  })
})

describe('groupSafetyNumber', () => {
  it('splits 60 digits into 12 groups of 5', () => {
    const groups = groupSafetyNumber('0123456789'.repeat(6))
    expect(groups).toHaveLength(12)
    expect(groups[0]).toBe('01234')
    expect(groups[11]).toBe('56789')
  })
})

describe('highlight', () => {
  it('marks every searched word, case-insensitively, and escapes regex syntax', () => {
    expect(highlight('Lunch at noon? LUNCH!', 'lunch noon?')).toEqual([
      { text: 'Lunch', match: true },
      { text: ' at ', match: false },
      { text: 'noon?', match: true },
      { text: ' ', match: false },
      { text: 'LUNCH', match: true },
      { text: '!', match: false }
    ])
  })
})

describe('internationalHost', () => {
  it('names the punycode host of a link whose name is not plain ASCII', () => {
    // "аpple.com" with a Cyrillic "а".
    expect(internationalHost(new URL('https://\u0430pple.com/login').href)).toBe('xn--pple-43d.com')
    expect(internationalHost('https://bücher.example:8443/')).toBe('xn--bcher-kva.example:8443')
    expect(internationalHost('https://sub.xn--pple-43d.com/')).toBe('sub.xn--pple-43d.com')
    expect(internationalHost('https://apple.com/')).toBeNull()
    expect(internationalHost('not a url')).toBeNull()
  })
})

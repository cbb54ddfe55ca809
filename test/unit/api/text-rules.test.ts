import { randomInt } from 'node:crypto'
import { describe, expect, it } from 'vitest'
import { nameSchema } from '../../../core/api/contract.js'
import { MAX_NAME_CHARS, MAX_TEXT_BYTES, messageTextProblem, nameProblem, utf8ByteLength, validName } from '../../../core/api/text-rules.js'
import { MAX_TEXT_BYTES as WIRE_MAX_TEXT_BYTES } from '../../../core/wire/limits.js'

describe('text rules', () => {
  it('count UTF-8 bytes as an encoder writes them, lone surrogates as U+FFFD', () => {
    // Random UTF-16 code units from every range: ASCII, 2- and 3-byte letters, surrogates paired or not.
    const ranges = [[0, 0x7f], [0x80, 0x7ff], [0x800, 0xd7ff], [0xd800, 0xdbff], [0xdc00, 0xdfff], [0xe000, 0xffff]] as const
    for (let run = 0; run < 2000; run++) {
      const units = Array.from({ length: randomInt(0, 12) }, () => {
        const [low, high] = ranges[randomInt(0, ranges.length)] ?? [0, 0]
        return randomInt(low, high + 1)
      })
      const text = String.fromCharCode(...units)
      expect(utf8ByteLength(text), JSON.stringify(units)).toBe(new TextEncoder().encode(text).length)
    }
  })

  it('use the wire limit, and cross it at exactly MAX_TEXT_BYTES', () => {
    expect(MAX_TEXT_BYTES).toBe(WIRE_MAX_TEXT_BYTES)
    expect(messageTextProblem('x'.repeat(MAX_TEXT_BYTES))).toBeUndefined()
    expect(messageTextProblem('x'.repeat(MAX_TEXT_BYTES + 1))).toMatch(/too long/)
    expect(messageTextProblem('я'.repeat(MAX_TEXT_BYTES / 2))).toBeUndefined()
    expect(messageTextProblem(`${'я'.repeat(MAX_TEXT_BYTES / 2)}x`)).toMatch(/too long: 32769 bytes/)
    expect(messageTextProblem('🙂'.repeat(MAX_TEXT_BYTES / 4))).toBeUndefined()
    expect(messageTextProblem('🙂'.repeat(MAX_TEXT_BYTES / 4 + 1))).toMatch(/too long/)
  })

  it('allow tab and newline in messages, and no other control character', () => {
    expect(messageTextProblem('a\tb\nc')).toBeUndefined()
    for (let code = 0; code <= 0x9f; code++) {
      if (code > 0x1f && code < 0x7f) continue
      const problem = messageTextProblem(`a${String.fromCharCode(code)}b`)
      if (code === 0x09 || code === 0x0a) expect(problem).toBeUndefined()
      else expect(problem, code.toString(16)).toMatch(/invisible control character/)
    }
  })

  it('refuse names with any control character, and trim them', () => {
    for (const name of ['\0x', 'a\tb', 'a\nb', 'a\u007fb', 'a\u009bb']) expect(nameProblem(name), JSON.stringify(name)).toMatch(/control characters/)
    expect(validName('  Alice  ')).toBe('Alice')
    expect(() => validName('\0x')).toThrow(expect.objectContaining({ code: 'invalid_params' }))
    expect(nameProblem('n'.repeat(MAX_NAME_CHARS))).toBeUndefined()
    expect(nameProblem('n'.repeat(MAX_NAME_CHARS + 1))).toMatch(/at most/)
    // The schema says what the engine says.
    expect(nameSchema.safeParse(' \0x ').error?.issues[0]?.message).toBe(nameProblem('\0x'))
    expect(nameSchema.parse('  Bob  ')).toBe('Bob')
  })

  it('refuse text and names with nothing visible in them', () => {
    for (const text of [' ', '\n\n', '\u00a0', '\u3000', '\u200b', '\u2060', '\ufeff', '\u180e', '\u034f', '\u3164', '\u200e\u200f']) {
      expect(messageTextProblem(text), JSON.stringify(text)).toMatch(/nothing visible/)
      expect(() => validName(text), JSON.stringify(text)).toThrow(/empty|visible/)
    }
    for (const text of ['.', 'ok', '\u200bx', 'مرحبا', '🙂']) {
      expect(messageTextProblem(text), text).toBeUndefined()
      expect(nameProblem(text), text).toBeUndefined()
    }
  })
})

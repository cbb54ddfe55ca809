import { afterEach, describe, expect, it } from 'vitest'
import { MAX_PASSPHRASE_LENGTH, PASSPHRASE_ENV, readPassphrase } from '../../../core/cli/passphrase.js'

const saved = process.env[PASSPHRASE_ENV]
afterEach(() => {
  if (saved == null) Reflect.deleteProperty(process.env, PASSPHRASE_ENV)
  else process.env[PASSPHRASE_ENV] = saved
})

describe('the passphrase from the environment', () => {
  it('is removed from the environment once read', async () => {
    process.env[PASSPHRASE_ENV] = 'correct horse'
    expect(await readPassphrase({ confirm: false })).toBe('correct horse')
    expect(process.env[PASSPHRASE_ENV]).toBeUndefined()
    expect(Object.keys(process.env)).not.toContain(PASSPHRASE_ENV)
  })

  it('is removed even when it is refused', async () => {
    process.env[PASSPHRASE_ENV] = 'x'.repeat(MAX_PASSPHRASE_LENGTH + 1)
    await expect(readPassphrase({ confirm: false })).rejects.toThrow(/longer than/)
    expect(process.env[PASSPHRASE_ENV]).toBeUndefined()
  })
})

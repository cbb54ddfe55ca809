import { readFileSync } from 'node:fs'
import { createInterface } from 'node:readline'
import { Writable } from 'node:stream'
import { InvalidParamsError } from '../errors.js'

/** Longest passphrase accepted from any source. */
export const MAX_PASSPHRASE_LENGTH = 1024

export interface PassphraseSources {
  passphraseFile?: string
  /** Ask twice when making a new identity, to catch typos. */
  confirm: boolean
}

/** The environment variable a passphrase may come from. */
export const PASSPHRASE_ENV = 'PARLEY_PASSPHRASE'

/**
 * The passphrase, from (in order) the PARLEY_PASSPHRASE environment variable,
 * `--passphrase-file`, or a hidden prompt on the terminal. Never logged. The
 * variable is removed once read, so that nothing this process starts later
 * inherits it and no code reading `process.env` finds it.
 */
export async function readPassphrase (sources: PassphraseSources): Promise<string> {
  const fromEnv = process.env[PASSPHRASE_ENV]
  // Removed before it is checked: a rejected passphrase must not linger either.
  Reflect.deleteProperty(process.env, PASSPHRASE_ENV)
  if (fromEnv != null && fromEnv.length > 0) return checked(fromEnv, PASSPHRASE_ENV)
  if (sources.passphraseFile != null) {
    let text: string
    try {
      text = readFileSync(sources.passphraseFile, 'utf8')
    } catch (err) {
      throw new InvalidParamsError(`--passphrase-file: cannot read ${sources.passphraseFile}: ${(err as NodeJS.ErrnoException).code ?? String(err)}`)
    }
    return checked(text.split(/\r?\n/)[0] ?? '', '--passphrase-file')
  }
  if (process.stdin.isTTY !== true) {
    throw new InvalidParamsError('no passphrase: set PARLEY_PASSPHRASE, pass --passphrase-file, or run in a terminal')
  }
  const first = checked(await prompt('Passphrase: '), 'the passphrase')
  if (sources.confirm && (await prompt('Repeat passphrase: ')) !== first) throw new InvalidParamsError('the passphrases do not match')
  return first
}

function checked (passphrase: string, source: string): string {
  if (passphrase.length === 0) throw new InvalidParamsError(`${source} is empty`)
  if (passphrase.length > MAX_PASSPHRASE_LENGTH) throw new InvalidParamsError(`${source} is longer than ${MAX_PASSPHRASE_LENGTH} characters`)
  return passphrase
}

/** Reads one line from the terminal without echoing it. */
async function prompt (question: string): Promise<string> {
  process.stderr.write(question)
  const silent = new Writable({ write: (_chunk, _encoding, done) => { done() } })
  const rl = createInterface({ input: process.stdin, output: silent, terminal: true })
  try {
    return await new Promise<string>(resolve => { rl.once('line', resolve) })
  } finally {
    rl.close()
    process.stderr.write('\n')
  }
}

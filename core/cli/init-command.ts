import { existsSync } from 'node:fs'
import { join } from 'node:path'
import { z } from 'zod'
import { InvalidParamsError } from '../errors.js'
import { KEY_FILE, ParleyDatabase } from '../store/database.js'
import { DataDirLock } from '../store/dir-lock.js'
import { IdentityRepository } from '../store/identity-repo.js'
import { PassphraseKeyWrapper } from '../store/key-wrapper.js'
import { readPassphrase } from './passphrase.js'
import type { Command } from 'commander'

const EXAMPLE = `
Example:
  $ PARLEY_PASSPHRASE='correct horse battery staple' parley init --data ~/.parley --name Alice
  12D3KooW...

Prints the new PeerId. On a directory that already holds an identity it
checks the passphrase and prints that PeerId; a wrong passphrase exits 2 and
changes nothing.`

const flagsSchema = z.object({
  data: z.string({ error: '--data <dir> is required' }).min(1, '--data <dir> is required'),
  name: z.string().trim().min(1, '--name must not be empty').max(100, '--name is longer than 100 characters').default('Me'),
  passphraseFile: z.string().min(1).optional()
})

/** Registers `parley init`: make this device's identity and encrypted database. */
export function registerInitCommand (program: Command): void {
  program.command('init')
    .description('create the identity and the encrypted database in a data directory')
    .option('--data <dir>', 'data directory (required)')
    .option('--name <name>', 'your display name', 'Me')
    .option('--passphrase-file <file>', 'read the passphrase from the first line of this file (else PARLEY_PASSPHRASE, else a prompt)')
    .addHelpText('after', EXAMPLE)
    .action(async (raw: unknown) => {
      const parsed = flagsSchema.safeParse(raw)
      if (!parsed.success) throw new InvalidParamsError(parsed.error.issues.map(i => i.message).join('; '))
      const { data, name, passphraseFile } = parsed.data
      // Loaded here, not at the top: libp2p and libsignal take a second to import, and `--help` should not wait.
      const [{ Engine }, { identityFromRow }] = await Promise.all([import('../host/engine.js'), import('../identity/identity.js')])
      const wrapper = new PassphraseKeyWrapper(await readPassphrase({ passphraseFile, confirm: !existsSync(join(data, KEY_FILE)) }))
      // The same lock as the engine's: a running daemon's database is never opened beside it.
      const lock = DataDirLock.acquire(data)
      try {
        if (!existsSync(join(data, KEY_FILE))) {
          process.stdout.write(`${await Engine.init(data, wrapper, name, lock)}\n`)
          return
        }
        const db = await ParleyDatabase.open(data, wrapper)
        try {
          const row = new IdentityRepository(db).get()
          if (row == null) throw new InvalidParamsError(`${data} has a key but no identity; move it aside and run init again`)
          process.stderr.write(`already initialised: ${data}\n`)
          process.stdout.write(`${identityFromRow(row).peerId.toString()}\n`)
        } finally {
          await db.close()
        }
      } finally {
        lock.release()
      }
    })
}

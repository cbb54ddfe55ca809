// First: on a Node too old for libp2p, say so before anything else loads.
import '../node-version.js'
import { readFileSync } from 'node:fs'
import { dirname, join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { Command, CommanderError } from 'commander'
import { errorMessage } from '../errors.js'
import { EXIT_OK, exitCodeFor } from './exit-codes.js'
import { registerCheckCommand } from './check-command.js'
import { registerContactsCommand } from './contacts-command.js'
import { registerDaemonCommand } from './daemon-command.js'
import { registerIdentityCommands } from './identity-commands.js'
import { registerInitCommand } from './init-command.js'
import { registerMessageCommands } from './message-commands.js'
import { registerRelayCommand } from './relay-command.js'
import { registerSettingsCommand } from './settings-command.js'
import { registerSimCommand } from './sim-command.js'
import { registerStatusCommand } from './status-command.js'

/**
 * The `parley` command. Each subcommand lives in its own `*-command.ts`
 * module and registers itself here; a command's action throws on failure and
 * this entry point turns the error into a message and an exit code.
 */
const program = new Command()
  .name('parley')
  .description('Parley: a serverless, end-to-end encrypted messenger on libp2p')
  .version(packageVersion())
  .exitOverride()
  .showHelpAfterError('(add --help for usage)')

registerInitCommand(program)
registerDaemonCommand(program)
registerIdentityCommands(program)
registerContactsCommand(program)
registerMessageCommands(program)
registerStatusCommand(program)
registerSettingsCommand(program)
registerCheckCommand(program)
registerRelayCommand(program)
registerSimCommand(program)

let exitCode = EXIT_OK
try {
  await program.parseAsync(process.argv)
} catch (err) {
  exitCode = exitCodeFor(err)
  // Commander has already printed its own usage errors.
  if (!(err instanceof CommanderError)) process.stderr.write(`error: ${errorMessage(err)}\n`)
}
// Explicit exit: a library timer left behind must not keep a finished command alive.
process.exit(exitCode)

/** The version in the repository's package.json, found from this file's place in core/ or dist/core/. */
function packageVersion (): string {
  let dir = dirname(fileURLToPath(import.meta.url))
  for (;;) {
    try {
      const pkg = JSON.parse(readFileSync(join(dir, 'package.json'), 'utf8')) as { name?: unknown, version?: unknown }
      if (pkg.name === 'parley' && typeof pkg.version === 'string') return pkg.version
    } catch {
      // no package.json here: keep climbing
    }
    const parent = dirname(dir)
    if (parent === dir) return 'unknown'
    dir = parent
  }
}

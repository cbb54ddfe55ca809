import { existsSync } from 'node:fs'
import { join } from 'node:path'
import { z } from 'zod'
import { assertUiBuilt, defaultUiDir } from '../host/ui-server.js'
import { KEY_FILE } from '../store/database.js'
import { PassphraseKeyWrapper } from '../store/key-wrapper.js'
import { collect, dataDirFlag, integerFlag, multiaddrFlag, parseFlags } from './flags.js'
import { readPassphrase } from './passphrase.js'
import { onStopSignal } from './stop-signal.js'
import type { Command } from 'commander'

const EXAMPLE = `
Example:
  $ PARLEY_PASSPHRASE='correct horse battery staple' parley daemon --data ~/.parley \\
      --bootstrap /dns4/relay.example.org/tcp/4001/p2p/12D3KooW...
  ready 12D3KooW...

Prints "ready <peerId>" once the node listens and has reached a bootstrap
peer. On a data directory without an identity it prints "onboarding" and
waits for a client to create one (the desktop UI's first screen does). The
API listens on 127.0.0.1 only; its address and token are in <dir>/api.json
(mode 0600), where the other parley commands find them. SIGINT or SIGTERM
stops it cleanly: queued messages stay queued.

Browser mode (--ui) also serves the built UI (npm run build:ui) on the API's
port and prints "ui http://127.0.0.1:<port>/#token=<token>": open that
address in a browser. The line contains the API token, which gives full
control of this identity: do not share it or paste it into logs. The token
and the port stay the same from run to run (<dir>/api-token.json, mode
0600), so an open tab reloads into a restarted daemon; if the token leaked,
start once with --new-token.`

/** How long "ready" waits for a bootstrap peer before it is printed anyway, with a warning. */
const BOOTSTRAP_WAIT_MS = 15_000

const flagsSchema = z.object({
  data: dataDirFlag,
  bootstrap: z.array(multiaddrFlag('--bootstrap', { needsPeerId: true })).max(16).default([]),
  listen: z.array(multiaddrFlag('--listen')).max(16).default([]),
  apiPort: integerFlag('--api-port', 1, 65_535).optional(),
  passphraseFile: z.string().min(1).optional(),
  network: z.enum(['desktop', 'sim'], { error: '--network must be "desktop" or "sim"' }).default('desktop'),
  ui: z.boolean().default(false),
  newToken: z.boolean().default(false)
})

/** Registers `parley daemon`: the engine without a window, serving the API on 127.0.0.1. */
export function registerDaemonCommand (program: Command): void {
  program.command('daemon')
    .description('run the engine headless and serve its API to the CLI and the browser UI')
    .option('--data <dir>', 'data directory (required)')
    .option('--bootstrap <multiaddr>', 'bootstrap/relay peer ending in /p2p/<PeerId>, repeatable', collect)
    .option('--listen <multiaddr>', 'address to listen on, repeatable (default: all interfaces, relays and WebRTC)', collect)
    .option('--api-port <port>', 'port of the API on 127.0.0.1 (default: a free one)')
    .option('--passphrase-file <file>', 'read the passphrase from the first line of this file (else PARLEY_PASSPHRASE, else a prompt)')
    .option('--network <preset>', '"desktop", or "sim" for tests and simulations on this machine (loopback only)', 'desktop')
    .option('--ui', 'browser mode: also serve the UI from dist/ui and print its address, token included')
    .option('--new-token', 'replace the API token kept from earlier runs (open browser tabs then need the new address)')
    .addHelpText('after', EXAMPLE)
    .action(async (raw: unknown) => { await runDaemon(parseFlags(flagsSchema, raw)) })
}

async function runDaemon (flags: z.output<typeof flagsSchema>): Promise<void> {
  const stopRequested = onStopSignal('daemon')
  try {
    const uiDir = flags.ui ? defaultUiDir() : undefined
    // Before the passphrase prompt: nobody should type it only to hear the UI is missing.
    if (uiDir != null) assertUiBuilt(uiDir)
    const fresh = !existsSync(join(flags.data, KEY_FILE))
    const wrapper = new PassphraseKeyWrapper(await readPassphrase({ passphraseFile: flags.passphraseFile, confirm: fresh }))
    // Loaded here, not at the top: libp2p takes a second to import, and `--help` should not wait for it.
    const { startDaemon } = await import('../host/daemon.js')
    const daemon = await startDaemon({
      dataDir: flags.data,
      wrapper,
      preset: flags.network,
      listen: flags.listen.length > 0 ? flags.listen : undefined,
      bootstrap: flags.bootstrap,
      apiPort: flags.apiPort,
      newToken: flags.newToken,
      uiDir
    })
    try {
      print(`api ${daemon.url}`)
      if (daemon.uiUrl != null) print(`ui ${daemon.uiUrl}`)
      if (daemon.host.state === 'onboarding') print('onboarding')
      daemon.host.onReady(peerId => { void announceReady(daemon.host.requireEngine(), peerId) })
      await stopRequested.signal
    } finally {
      await daemon.stop()
    }
    print('daemon stopped')
  } finally {
    stopRequested.dispose()
  }
}

async function announceReady (engine: { waitForBootstrap: (timeoutMs: number) => Promise<boolean> }, peerId: string): Promise<void> {
  if (!await engine.waitForBootstrap(BOOTSTRAP_WAIT_MS)) {
    process.stderr.write(`daemon: no bootstrap peer reached within ${BOOTSTRAP_WAIT_MS / 1000} s; still trying in the background\n`)
  }
  print(`ready ${peerId}`)
}

function print (line: string): void {
  process.stdout.write(`${line}\n`)
}

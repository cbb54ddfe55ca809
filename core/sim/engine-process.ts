/**
 * One simulated user's engine in its own process, so that tests can kill it
 * (-9) and benchmarks can give sender and receiver a core each.
 *
 *   node dist/core/sim/engine-process.js --data DIR --relay MULTIADDR [--contact INVITE] [--echo] [--preset sim|desktop]
 *
 * `--preset desktop` runs the preset users run, kept on this machine (see
 * NodeConfig.sameHost); the default `sim` is the loopback preset.
 *
 * The data dir must be initialised with the simulation key wrapper. Prints
 * `invite <code>` and then `ready <peerId>`; stops cleanly on SIGTERM/SIGINT.
 */
import '../node-version.js'
import { parseArgs } from 'node:util'
import { Engine } from '../host/engine.js'
import { serveEcho } from './echo.js'
import { SAME_HOST_DESKTOP_LISTEN, simKeyWrapper } from './harness.js'

const { values } = parseArgs({
  options: {
    data: { type: 'string' },
    relay: { type: 'string' },
    contact: { type: 'string' },
    echo: { type: 'boolean', default: false },
    preset: { type: 'string', default: 'sim' }
  }
})
if (values.data == null || values.relay == null || (values.preset !== 'sim' && values.preset !== 'desktop')) {
  process.stderr.write('usage: engine-process --data DIR --relay MULTIADDR [--contact INVITE] [--echo] [--preset sim|desktop]\n')
  process.exit(2)
}
const preset = values.preset

const engine = await Engine.start({
  dataDir: values.data,
  wrapper: simKeyWrapper(),
  preset,
  // `desktop` as users run it, but nothing leaves this machine.
  ...(preset === 'desktop' ? { sameHost: true, listen: SAME_HOST_DESKTOP_LISTEN } : { listen: ['/ip4/127.0.0.1/tcp/0'] }),
  bootstrap: [values.relay]
})
if (values.echo === true) await serveEcho(engine.node)
if (values.contact != null && engine.contacts.list().length === 0) await engine.addContact(values.contact, 'peer')
process.stdout.write(`invite ${await engine.invite()}\nready ${engine.peerId}\n`)

let stopping = false
const stop = (): void => {
  if (stopping) return
  stopping = true
  engine.stop().then(() => process.exit(0), (err: unknown) => {
    process.stderr.write(`stop failed: ${String(err)}\n`)
    process.exit(1)
  })
}
process.on('SIGTERM', stop)
process.on('SIGINT', stop)

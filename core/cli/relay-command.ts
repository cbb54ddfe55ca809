import type { Command } from 'commander'
import type { RunningRelay } from '../relay/relay.js'
import { DEFAULT_RELAY_LIMITS, DEFAULT_MAX_RESERVATIONS_PER_IP, DEFAULT_MAX_RESERVATIONS_PER_SUBNET, DEFAULT_RESERVATIONS_PER_MINUTE } from '../net/relay-limits.js'
import { collect } from './flags.js'
import { onStopSignal } from './stop-signal.js'
import { DEFAULT_STATS_INTERVAL_S, parseRelayFlags } from './relay-options.js'
import type { RelayCommandOptions, RelayFlags } from './relay-options.js'

const EXAMPLE = `
Example:
  $ parley relay --data /var/lib/parley-relay \\
      --listen /ip4/0.0.0.0/tcp/4001 --listen /ip4/0.0.0.0/tcp/4002/ws \\
      --metrics-port 9090

Prints each listening address (with /p2p/<id>), then "relay ready <peerId>",
then a "stats ..." line every --stats-interval seconds. SIGINT or SIGTERM
stops it cleanly.

A reservation is released as soon as its peer's last connection closes.
"Address" is an IPv4 address or an IPv6 /64; "subnet" an IPv4 /24 or an
IPv6 /48. A request over a cap or the rate is answered PERMISSION_DENIED.

Listening only on loopback (127.0.0.0/8, ::1) turns on loopback mode for
tests and simulations: every peer there shares 127.0.0.1, so the
per-address and per-subnet caps and the rate limit are off unless given.`

/** Registers `parley relay`: a headless bootstrap/relay node. */
export function registerRelayCommand (program: Command): void {
  program.command('relay')
    .description('run a headless bootstrap and circuit relay node')
    .option('--data <dir>', 'directory holding the relay identity (required)')
    .option('--listen <multiaddr>', 'address to listen on, repeatable (default: TCP 4001 and WebSockets 4002 on 0.0.0.0)', collect)
    .option('--max-reservations <n>', `reservations held at once (default: ${DEFAULT_RELAY_LIMITS.maxReservations})`)
    .option('--reservation-duration <seconds>', `longest relayed connection (default: ${DEFAULT_RELAY_LIMITS.durationLimitMs / 1000})`)
    .option('--reservation-data <bytes>', `bytes per relayed connection, both directions together (default: ${DEFAULT_RELAY_LIMITS.dataLimitBytes})`)
    .option('--max-reservations-per-ip <n>', `reservations held at once from one address (default: ${DEFAULT_MAX_RESERVATIONS_PER_IP}; loopback mode: no cap)`)
    .option('--max-reservations-per-subnet <n>', `reservations held at once from one subnet (default: ${DEFAULT_MAX_RESERVATIONS_PER_SUBNET}; loopback mode: no cap)`)
    .option('--reservation-rate <n>', `reservation requests, renewals included, one address may make per minute and at once (default: ${DEFAULT_RESERVATIONS_PER_MINUTE}; loopback mode: no limit)`)
    .option('--kept-for-new-peers <n>', 'of each address\'s --reservation-rate, how many only peers holding no reservation may use: renewals are refused while no more are left (default: half the rate)')
    .option('--metrics-port <port>', 'serve Prometheus metrics on 127.0.0.1:<port>/metrics')
    .option('--stats-interval <seconds>', `seconds between stats lines (default: ${DEFAULT_STATS_INTERVAL_S})`)
    .addHelpText('after', EXAMPLE)
    .action(async (flags: RelayFlags) => { await runRelay(parseRelayFlags(flags)) })
}

async function runRelay (options: RelayCommandOptions): Promise<void> {
  // Armed before the node starts, so a signal during start-up still ends in a clean stop.
  const stopRequested = onStopSignal('relay')
  try {
    // Loaded here, not at the top: libp2p takes a second to import, and `--help` should not wait for it.
    const { startRelay } = await import('../relay/relay.js')
    const relay = await startRelay({
      dataDir: options.dataDir,
      listen: options.listen.length > 0 ? options.listen : undefined,
      limits: options.limits,
      metricsPort: options.metricsPort
    })
    for (const addr of relay.multiaddrs()) print(addr.toString())
    print(`relay ready ${relay.peerId.toString()}`)

    const timer = setInterval(() => { printStats(relay) }, options.statsIntervalMs)
    try {
      await stopRequested.signal
    } finally {
      clearInterval(timer)
      await relay.stop()
    }
    print('relay stopped')
  } finally {
    stopRequested.dispose()
  }
}

function printStats (relay: RunningRelay): void {
  const { connections, reservations, dht, refused, released } = relay.stats()
  print(`stats connections=${connections} reservations=${reservations} dht=${dht} refused=${refused} released=${released}`)
}

function print (line: string): void {
  process.stdout.write(`${line}\n`)
}

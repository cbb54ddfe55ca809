import { clientFlagsSchema, clientOptions, runClientCommand } from './client-command.js'
import type { NetworkStatus } from '../api/contract.js'
import type { Command } from 'commander'

/** Registers `parley status`: where this node stands in the network. */
export function registerStatusCommand (program: Command): void {
  clientOptions(program.command('status'))
    .description('show the node\'s addresses, connections, relay reservations, reachability and DHT size')
    .addHelpText('after', `
Example:
  $ parley status --data ~/.parley
  peer       12D3KooW...
  reachable  relayed
  ...`)
    .action(async (raw: Record<string, unknown>) => {
      await runClientCommand(clientFlagsSchema, raw, async client => await client.call('status'), statusText)
    })
}

function statusText (status: NetworkStatus): string {
  const limited = status.connections.filter(c => c.limited).length
  return [
    `peer       ${status.peerId}`,
    `reachable  ${status.nat}`,
    ...status.listenAddresses.map(a => `listening  ${a}`),
    ...status.relayReservations.map(r => `relay      ${r}`),
    `peers      ${status.connections.length} connected${limited > 0 ? ` (${limited} through a relay)` : ''}`,
    `dht        ${status.dhtRoutingTableSize} peers in the routing table`
  ].join('\n')
}

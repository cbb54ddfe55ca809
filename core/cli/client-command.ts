import { z } from 'zod'
import { InvalidParamsError, NotFoundError } from '../errors.js'
import { dataDirFlag, parseFlags } from './flags.js'
import { withDaemon } from './daemon-client.js'
import type { DaemonClient } from './daemon-client.js'
import type { Command } from 'commander'

/**
 * The commands that talk to a running daemon share `--data` (or
 * PARLEY_DATA) and `--json`. With `--json` a command prints exactly one JSON
 * document; without, plain text, and a command that yields one value prints
 * just that value, so `$(parley invite --data DIR)` works in scripts.
 */
export const clientFlagsSchema = z.object({
  data: dataDirFlag,
  json: z.boolean().default(false)
})
export type ClientFlags = z.output<typeof clientFlagsSchema>

/** Adds `--data` and `--json` to a client command. */
export function clientOptions (command: Command): Command {
  return command
    .option('--data <dir>', 'data directory of the running daemon (default: $PARLEY_DATA)')
    .option('--json', 'print one JSON document instead of text')
}

/**
 * Parses the command's flags with `schema` (which extends the client flags),
 * connects to the daemon and runs `action`; what it returns is printed as
 * JSON or, through `text`, as lines.
 */
export async function runClientCommand<S extends typeof clientFlagsSchema, T> (
  schema: S,
  raw: Record<string, unknown>,
  action: (client: DaemonClient, flags: z.output<S>) => Promise<T>,
  text: (result: T) => string
): Promise<void> {
  const flags = parseFlags(schema, { ...raw, data: raw.data ?? process.env.PARLEY_DATA })
  const result = await withDaemon(flags.data, async client => await action(client, flags))
  const output = flags.json ? JSON.stringify(result, null, 2) : text(result)
  if (output.length > 0) process.stdout.write(`${output}\n`)
}

/** Finds a contact by PeerId or by name (case-insensitive); an unknown or ambiguous name is an input error. */
export async function resolveContact (client: DaemonClient, nameOrPeerId: string): Promise<{ peerId: string, name: string }> {
  const { contacts } = await client.call('listContacts')
  const byId = contacts.find(c => c.peerId === nameOrPeerId)
  if (byId != null) return byId
  const wanted = nameOrPeerId.trim().toLocaleLowerCase()
  const named = contacts.filter(c => c.name.toLocaleLowerCase() === wanted)
  if (named.length === 1 && named[0] != null) return named[0]
  if (named.length === 0) throw new NotFoundError(`contact "${nameOrPeerId}"`)
  throw new InvalidParamsError(`${named.length} contacts are named "${nameOrPeerId}": use a PeerId (${named.map(c => c.peerId).join(', ')})`)
}

/** `2026-11-26 06:50` in local time: what a person reading history wants. */
export function formatTime (ms: number): string {
  const d = new Date(ms)
  const pad = (n: number): string => String(n).padStart(2, '0')
  return `${d.getFullYear()}-${pad(d.getMonth() + 1)}-${pad(d.getDate())} ${pad(d.getHours())}:${pad(d.getMinutes())}`
}

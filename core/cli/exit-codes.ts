import { CommanderError } from 'commander'

/** Exit codes shared by every `parley` command. */
export const EXIT_OK = 0
/** The operation was valid but failed (network, disk, a peer). */
export const EXIT_FAILED = 1
/** Bad usage or invalid input: unknown flag, a value out of range, a malformed address, a wrong passphrase. */
export const EXIT_USAGE = 2
/** No daemon runs for the data directory (client commands need one). */
export const EXIT_NO_DAEMON = 3
/** The data directory is damaged: a page failed its check, or a file the identity needs is missing or empty. */
export const EXIT_DAMAGED = 4

/** Error codes that mean the input was wrong, not the operation. */
const USAGE_CODES = new Set(['invalid_params', 'wrong_passphrase', 'not_found', 'invalid_invite'])

/** Parley errors are matched by `code`, never `instanceof` (see core/errors.ts). */
export function exitCodeFor (err: unknown): number {
  if (err instanceof CommanderError) return err.exitCode === 0 ? EXIT_OK : EXIT_USAGE
  const code = typeof err === 'object' && err != null ? (err as { code?: unknown }).code : undefined
  if (code === 'no_daemon') return EXIT_NO_DAEMON
  if (code === 'database_damaged') return EXIT_DAMAGED
  return typeof code === 'string' && USAGE_CODES.has(code) ? EXIT_USAGE : EXIT_FAILED
}

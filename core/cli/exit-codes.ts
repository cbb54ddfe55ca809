import { CommanderError } from 'commander'

/** Exit codes shared by every `parley` command. */
export const EXIT_OK = 0
/** The operation was valid but failed (network, disk, a peer). */
export const EXIT_FAILED = 1
/** Bad usage or invalid input: unknown flag, a value out of range, a malformed address, a wrong passphrase. */
export const EXIT_USAGE = 2

/** Parley errors are matched by `code`, never `instanceof` (see core/errors.ts). */
export function exitCodeFor (err: unknown): number {
  if (err instanceof CommanderError) return err.exitCode === 0 ? EXIT_OK : EXIT_USAGE
  const code = typeof err === 'object' && err != null ? (err as { code?: unknown }).code : undefined
  return code === 'invalid_params' || code === 'wrong_passphrase' ? EXIT_USAGE : EXIT_FAILED
}

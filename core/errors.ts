/**
 * Named error classes shared by the engine. Errors are matched by `.name`
 * (never `instanceof`): they cross process and RPC boundaries. Each carries a
 * stable `code` that the CLI and UI map to words and exit codes.
 */
export type ErrorCode =
  | 'invalid_params'
  | 'wrong_passphrase'
  | 'not_initialised'
  | 'already_initialised'
  | 'data_dir_locked'
  | 'not_found'
  | 'invalid_invite'
  | 'peer_unreachable'
  | 'identity_changed'
  | 'protocol_error'
  | 'database_damaged'
  | 'no_daemon'
  | 'internal'

export class ParleyError extends Error {
  readonly code: ErrorCode
  constructor (code: ErrorCode, message: string, options?: { cause?: unknown }) {
    super(message, options)
    this.code = code
    this.name = 'ParleyError'
  }
}

/** The passphrase (or OS keystore) did not unwrap the database key. */
export class WrongPassphraseError extends ParleyError {
  static override readonly name = 'WrongPassphraseError'
  constructor (message = 'wrong passphrase: the database key could not be unwrapped') {
    super('wrong_passphrase', message)
    this.name = WrongPassphraseError.name
  }
}

/** An invite code failed to parse or verify; `message` says why. */
export class InvalidInviteError extends ParleyError {
  static override readonly name = 'InvalidInviteError'
  constructor (reason: string) {
    super('invalid_invite', `invalid invite: ${reason}`)
    this.name = InvalidInviteError.name
  }
}

/** Bytes from the network that break the wire protocol. */
export class ProtocolViolationError extends ParleyError {
  static override readonly name = 'ProtocolViolationError'
  constructor (reason: string) {
    super('protocol_error', reason)
    this.name = ProtocolViolationError.name
  }
}

/**
 * The data directory's files are damaged or incomplete: a page failed its
 * authentication check, the file is truncated, or a file the identity needs is
 * missing. Never a wrong passphrase: the key wrapper's AEAD has already
 * proved the key right by the time this can be thrown.
 */
export class DatabaseDamagedError extends ParleyError {
  static override readonly name = 'DatabaseDamagedError'
  constructor (what: string, cause?: unknown) {
    super('database_damaged', `${what} is damaged${cause == null ? '' : ` (${errorMessage(cause)})`}: restore the data directory from a backup, or check it with "parley check"`, { cause })
    this.name = DatabaseDamagedError.name
  }
}

/**
 * A wait on the network outlived its deadline (see core/deadline.ts). Named
 * like the DOMException that `AbortSignal.timeout` raises, so code that
 * matches on the name sees the same thing; to the user the peer did not
 * answer in time.
 */
export class TimeoutError extends ParleyError {
  static override readonly name = 'TimeoutError'
  constructor (message: string) {
    super('peer_unreachable', message)
    this.name = TimeoutError.name
  }
}

export class NotFoundError extends ParleyError {
  static override readonly name = 'NotFoundError'
  constructor (what: string) {
    super('not_found', `${what} not found`)
    this.name = NotFoundError.name
  }
}

export class InvalidParamsError extends ParleyError {
  static override readonly name = 'InvalidParamsError'
  constructor (message: string) {
    super('invalid_params', message)
    this.name = InvalidParamsError.name
  }
}

export function errorMessage (err: unknown): string {
  return err instanceof Error ? err.message : String(err)
}

/** `err` as an Error, for APIs that take one (stream.abort, rejections). */
export function toError (err: unknown): Error {
  return err instanceof Error ? err : new Error(String(err))
}

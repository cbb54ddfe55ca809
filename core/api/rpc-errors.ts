import { errorMessage } from '../errors.js'
import type { RpcErrorBody } from './rpc-types.js'
import type { z } from 'zod'

/**
 * Codes the RPC layer itself produces. Handlers add their own (`not_found`,
 * `peer_unreachable`…): any string matching {@link RPC_ERROR_CODE_PATTERN}.
 */
export type RpcErrorCode =
  /** The request was not JSON, not a request, too large, or its params failed the schema. */
  | 'invalid_params'
  /** The contract has no such method. */
  | 'unknown_method'
  /** The handler failed without a code, or returned a result that fails the schema. */
  | 'internal'
  /** The message from the other side broke the wire format or the contract. */
  | 'protocol_error'
  /** The port closed before the answer came. */
  | 'disconnected'
  /** No answer within the call's `timeoutMs`. */
  | 'timeout'
  /** The call's `signal` aborted. */
  | 'aborted'

/** A code travels on the wire and names a UI string, so it stays short and plain. */
export const RPC_ERROR_CODE_PATTERN = /^[a-z_]{1,40}$/

/** A long list of schema issues is cut here; the first ones say enough. */
const MAX_REPORTED_ISSUES = 10

/**
 * A failed call, as the caller sees it. Match on `code` (or `name`), never
 * `instanceof`: the error may have crossed a process boundary.
 */
export class RpcError extends Error {
  static override readonly name = 'RpcError'
  /** An {@link RpcErrorCode}, or a handler's own code such as `not_found`. */
  readonly code: string

  constructor (code: RpcErrorCode | (string & Record<never, never>), message: string, options?: { cause?: unknown }) {
    super(message, options)
    this.code = code
    this.name = RpcError.name
  }
}

/**
 * The wire form of anything a handler threw. An error keeps its own `code`
 * when it has a well-formed one (Parley errors do); matched by property, not
 * class, so errors from any module or realm map the same way. Never a stack.
 */
export function toRpcErrorBody (err: unknown): RpcErrorBody {
  const fields = typeof err === 'object' && err != null ? err as { code?: unknown, message?: unknown } : {}
  const message = typeof fields.message === 'string' ? fields.message : errorMessage(err)
  const code = typeof fields.code === 'string' && RPC_ERROR_CODE_PATTERN.test(fields.code) ? fields.code : 'internal'
  return { code, message }
}

/** Zod issues as one readable line: `params.a: Invalid input: expected number, received string; …`. */
export function formatIssues (issues: readonly z.core.$ZodIssue[], root: string): string {
  const shown = issues.slice(0, MAX_REPORTED_ISSUES).map(issue => `${formatPath(root, issue.path)}: ${issue.message}`)
  const more = issues.length - shown.length
  return more > 0 ? `${shown.join('; ')}; and ${more} more` : shown.join('; ')
}

function formatPath (root: string, path: readonly PropertyKey[]): string {
  let text = root
  for (const key of path) {
    text += typeof key === 'number' ? `[${key}]` : `.${String(key)}`
  }
  return text
}

import { z } from 'zod'
import { errorMessage } from '../errors.js'
import { RPC_ERROR_CODE_PATTERN, RpcError, formatIssues } from './rpc-errors.js'
import { MAX_RPC_MESSAGE_CHARS } from './rpc-types.js'
import type { RpcPort } from './ports.js'
import type { ApiContract, CallArgs, EventData, EventName, MethodName, Result, RpcRequest } from './rpc-types.js'

export interface RpcClientOptions {
  /** Default for every call; `0` waits forever. */
  timeoutMs?: number
  /**
   * Told about each message from the server that was dropped because it
   * breaks the wire format or the contract (say, an event whose data fails
   * its schema). Use it to log; the client itself carries on.
   */
  onInvalidMessage?: (reason: string) => void
}

/** Long enough for a dial to an unreachable peer to give up; short enough that a lost answer shows. */
export const DEFAULT_CALL_TIMEOUT_MS = 30_000

/** Longest timer `setTimeout` honours; a longer one would fire at once. */
const MAX_TIMER_MS = 2 ** 31 - 1

const responseId = z.union([z.number(), z.string(), z.null()])
const eventMessage = z.object({ event: z.string(), data: z.unknown() })
const errorMessageSchema = z.object({ id: responseId, error: z.object({ code: z.string(), message: z.string() }) })
// `result` may be absent: JSON drops an `undefined` result.
const resultMessage = z.object({ id: responseId, result: z.unknown().optional() })

interface PendingCall {
  method: string
  resolve: (message: { result?: unknown }) => void
  reject: (err: RpcError) => void
}

/**
 * Calls a contract's methods over a port and receives its events. Params are
 * checked before sending, results and events after receiving, all with the
 * contract's schemas; every failure rejects with an {@link RpcError}.
 */
export class RpcClient<C extends ApiContract> {
  private readonly contract: C
  private readonly port: RpcPort
  private readonly timeoutMs: number
  private readonly onInvalidMessage: (reason: string) => void
  private readonly pending = new Map<number, PendingCall>()
  private readonly listeners = new Map<string, Set<(data: unknown) => void>>()
  private nextId = 1
  private isClosed = false

  constructor (contract: C, port: RpcPort, options: RpcClientOptions = {}) {
    this.contract = contract
    this.port = port
    this.timeoutMs = checkTimeout(options.timeoutMs ?? DEFAULT_CALL_TIMEOUT_MS)
    this.onInvalidMessage = options.onInvalidMessage ?? (() => {})
    port.onMessage(text => { this.receive(text) })
    port.onClose(() => { this.disconnected() })
  }

  /** False once the port has closed; every call then rejects with `disconnected`. */
  get connected (): boolean {
    return !this.isClosed
  }

  /**
   * Calls `method` and resolves with its validated result. Rejects with an
   * {@link RpcError}: the server's code (`invalid_params`, `not_found`…), or
   * `timeout`, `aborted`, `disconnected`, `protocol_error` (a result that
   * fails the schema). An abort or timeout stops the wait, not the handler.
   */
  async call<M extends MethodName<C>> (method: M, ...args: CallArgs<C, M>): Promise<Result<C, M>> {
    const [params, options = {}] = args
    if (!Object.hasOwn(this.contract.methods, method)) throw new RpcError('unknown_method', `unknown method '${method}'`)
    const spec = this.contract.methods[method]
    const checked = await spec.params.safeParseAsync(params ?? {})
    if (!checked.success) throw new RpcError('invalid_params', `invalid params for '${method}': ${formatIssues(checked.error.issues, 'params')}`)

    const id = this.nextId++
    // Sent as the caller wrote it; the server parses it with the same schema.
    const request: RpcRequest = params === undefined ? { id, method } : { id, method, params: params as RpcRequest['params'] }
    let text: string
    try {
      text = JSON.stringify(request)
    } catch (err) {
      throw new RpcError('invalid_params', `params for '${method}' are not JSON: ${errorMessage(err)}`)
    }
    if (text.length > MAX_RPC_MESSAGE_CHARS) {
      throw new RpcError('invalid_params', `request for '${method}' is ${text.length} characters; the limit is ${MAX_RPC_MESSAGE_CHARS}`)
    }

    const message = await this.exchange(id, method, text, options.signal, checkTimeout(options.timeoutMs ?? this.timeoutMs))
    const result = await spec.result.safeParseAsync(message.result)
    if (!result.success) {
      throw new RpcError('protocol_error', `the result of '${method}' fails its schema: ${formatIssues(result.error.issues, 'result')}`)
    }
    return result.data as Result<C, M>
  }

  /** Calls `listener` with each validated `event`; returns the unsubscribe function. */
  on<E extends EventName<C>> (event: E, listener: (data: EventData<C, E>) => void): () => void {
    let set = this.listeners.get(event)
    if (set == null) {
      set = new Set()
      this.listeners.set(event, set)
    }
    // A wrapper per subscription, so subscribing one function twice needs two unsubscribes.
    const wrapped = (data: unknown): void => { listener(data as EventData<C, E>) }
    set.add(wrapped)
    return () => { set.delete(wrapped) }
  }

  /** Closes the port; pending calls reject with `disconnected`. */
  close (): void {
    this.port.close()
    this.disconnected()
  }

  /** Sends `text` and waits for the response with `id`. */
  private async exchange (id: number, method: string, text: string, signal: AbortSignal | undefined, timeoutMs: number): Promise<{ result?: unknown }> {
    if (this.isClosed) throw new RpcError('disconnected', `cannot call '${method}': the connection is closed`)
    if (signal?.aborted === true) throw aborted(method, signal)

    return await new Promise((resolve, reject) => {
      let timer: ReturnType<typeof setTimeout> | undefined
      const onAbort = (): void => { settle(); reject(aborted(method, signal)) }
      const settle = (): void => {
        this.pending.delete(id)
        clearTimeout(timer)
        signal?.removeEventListener('abort', onAbort)
      }
      this.pending.set(id, {
        method,
        resolve: message => { settle(); resolve(message) },
        reject: err => { settle(); reject(err) }
      })
      signal?.addEventListener('abort', onAbort)
      if (timeoutMs > 0) {
        timer = setTimeout(() => {
          settle()
          reject(new RpcError('timeout', `'${method}' did not answer within ${timeoutMs} ms`))
        }, timeoutMs)
      }
      try {
        this.port.send(text)
      } catch (err) {
        settle()
        reject(new RpcError('disconnected', `cannot call '${method}': ${errorMessage(err)}`, { cause: err }))
      }
    })
  }

  private receive (text: string): void {
    let value: unknown
    try {
      value = JSON.parse(text)
    } catch (err) {
      this.onInvalidMessage(`message is not JSON: ${errorMessage(err)}`)
      return
    }
    const parsed = schemaFor(value).safeParse(value)
    if (!parsed.success) {
      this.onInvalidMessage(`malformed message: ${formatIssues(parsed.error.issues, 'message')}`)
      return
    }
    const message = parsed.data
    if ('event' in message) {
      this.dispatchEvent(message.event, message.data)
      return
    }
    const call = typeof message.id === 'number' ? this.pending.get(message.id) : undefined
    if (call == null) {
      // Late (after a timeout or abort) or never asked for.
      this.onInvalidMessage(`response to no pending call (id ${JSON.stringify(message.id)})`)
      return
    }
    if ('error' in message) {
      const { code, message: reason } = message.error
      call.reject(RPC_ERROR_CODE_PATTERN.test(code)
        ? new RpcError(code, reason)
        : new RpcError('protocol_error', `'${call.method}' failed with a malformed error code: ${reason}`))
      return
    }
    call.resolve(message)
  }

  private dispatchEvent (event: string, data: unknown): void {
    const schema = Object.hasOwn(this.contract.events, event) ? this.contract.events[event] : undefined
    if (schema == null) {
      this.onInvalidMessage(`unknown event '${event}'`)
      return
    }
    const parsed = schema.safeParse(data)
    if (!parsed.success) {
      this.onInvalidMessage(`event '${event}' fails its schema: ${formatIssues(parsed.error.issues, 'data')}`)
      return
    }
    for (const listener of [...this.listeners.get(event) ?? []]) {
      try {
        listener(parsed.data)
      } catch (err) {
        // One broken listener must not starve the others; still surface it.
        queueMicrotask(() => { throw err })
      }
    }
  }

  private disconnected (): void {
    if (this.isClosed) return
    this.isClosed = true
    for (const call of [...this.pending.values()]) {
      call.reject(new RpcError('disconnected', `the connection closed before '${call.method}' answered`))
    }
  }
}

/** Picks the schema by key, so a malformed message gets the error that fits it. */
function schemaFor (value: unknown): typeof eventMessage | typeof errorMessageSchema | typeof resultMessage {
  if (typeof value !== 'object' || value == null) return resultMessage
  if ('event' in value) return eventMessage
  return 'error' in value ? errorMessageSchema : resultMessage
}

function aborted (method: string, signal: AbortSignal | undefined): RpcError {
  return new RpcError('aborted', `'${method}' was aborted`, { cause: signal?.reason })
}

function checkTimeout (ms: number): number {
  if (!(ms >= 0 && ms <= MAX_TIMER_MS)) throw new RpcError('invalid_params', `timeoutMs must be 0…${MAX_TIMER_MS}, not ${ms}`)
  return ms
}

import { z } from 'zod'
import { errorMessage } from '../errors.js'
import { formatIssues, toRpcErrorBody } from './rpc-errors.js'
import { MAX_RPC_MESSAGE_CHARS } from './rpc-types.js'
import type { RpcPort } from './ports.js'
import type { ApiContract, EventInput, EventName, Handlers, RpcErrorBody, RpcEvent, RpcId, RpcRequest, RpcResponse } from './rpc-types.js'

export interface RpcServerOptions {
  /**
   * Told about failures the caller cannot see in full: handler errors that map
   * to `internal`, results or events that fail their schema. Use it to log.
   */
  onError?: (err: unknown, context: { method?: string, event?: string }) => void
}

/** Oversized requests are still parsed, to answer with their id, up to this length. */
const MAX_PARSE_FOR_ID_CHARS = 4 * MAX_RPC_MESSAGE_CHARS

// `int()` also means safe: an id that JSON would round must not be echoed.
const rpcId = z.union([z.number().int(), z.string()], { error: 'expected an integer or a string' })
const requestSchema = z.strictObject({
  id: rpcId,
  method: z.string(),
  params: z.record(z.string(), z.unknown()).optional()
})

type AnyHandler = (params: unknown) => unknown

/**
 * Serves one contract over any number of ports. Every request is validated
 * before its handler runs and every result before it is sent; nothing a port
 * sends can throw out of here or disturb another port.
 */
export class RpcServer<C extends ApiContract> {
  private readonly contract: C
  private readonly handlers: Handlers<C>
  private readonly options: RpcServerOptions
  private readonly ports = new Set<RpcPort>()
  private isClosed = false

  constructor (contract: C, handlers: Handlers<C>, options: RpcServerOptions = {}) {
    this.contract = contract
    this.handlers = handlers
    this.options = options
  }

  /** Number of connected ports. */
  get connections (): number {
    return this.ports.size
  }

  /** Starts serving `port`; the returned function disconnects (and closes) it. */
  connect (port: RpcPort): () => void {
    const disconnect = (): void => {
      this.ports.delete(port)
      port.close()
    }
    if (this.isClosed) {
      port.close()
      return disconnect
    }
    this.ports.add(port)
    port.onClose(() => { this.ports.delete(port) })
    port.onMessage(text => { void this.handle(port, text) })
    return disconnect
  }

  /**
   * Validates `data` and sends it to every connected port. Returns false (and
   * tells `onError`) when it fails the schema: a broken event is an engine bug,
   * and throwing here would land in whatever engine callback emitted it.
   */
  emit<E extends EventName<C>> (event: E, data: EventInput<C, E>): boolean {
    let text: string
    try {
      const schema = Object.hasOwn(this.contract.events, event) ? this.contract.events[event] : undefined
      if (schema == null) throw new Error(`unknown event '${event}'`)
      const parsed = schema.safeParse(data)
      if (!parsed.success) throw new Error(`event '${event}' fails its schema: ${formatIssues(parsed.error.issues, 'data')}`)
      const message: RpcEvent = { event, data: parsed.data }
      text = JSON.stringify(message)
    } catch (err) {
      this.options.onError?.(err, { event })
      return false
    }
    for (const port of this.ports) trySend(port, text)
    return true
  }

  /** Disconnects every port; later `connect` calls close their port at once. */
  close (): void {
    this.isClosed = true
    for (const port of [...this.ports]) port.close()
    this.ports.clear()
  }

  private async handle (port: RpcPort, text: string): Promise<void> {
    let id: RpcId | null = null
    let method: string | undefined
    try {
      const request = this.parseRequest(text)
      if ('error' in request) {
        send(port, request)
        return
      }
      id = request.id
      method = request.method
      const response = await this.dispatch(request)
      if (this.ports.has(port)) send(port, response)
    } catch (err) {
      // Only a contract bug gets here (a schema refinement that throws); still answer.
      this.options.onError?.(err, { method })
      send(port, { id, error: { code: 'internal', message: errorMessage(err) } })
    }
  }

  /** A request, or the error response to send instead. */
  private parseRequest (text: string): RpcRequest | { id: RpcId | null, error: RpcErrorBody } {
    if (text.length > MAX_RPC_MESSAGE_CHARS) {
      // Parsed only to answer with the right id, and only up to a bound.
      const value = text.length <= MAX_PARSE_FOR_ID_CHARS ? parseJson(text) : undefined
      return invalid(usableId(value), `request is ${text.length} characters; the limit is ${MAX_RPC_MESSAGE_CHARS}`)
    }
    let value: unknown
    try {
      value = JSON.parse(text)
    } catch (err) {
      return invalid(null, `request is not JSON: ${errorMessage(err)}`)
    }
    if (typeof value !== 'object' || value == null || Array.isArray(value)) {
      return invalid(null, 'request must be a JSON object {"id", "method", "params"?}')
    }
    const parsed = requestSchema.safeParse(value)
    if (!parsed.success) return invalid(usableId(value), `invalid request: ${formatIssues(parsed.error.issues, 'request')}`)
    return parsed.data
  }

  private async dispatch (request: RpcRequest): Promise<RpcResponse> {
    const { id, method } = request
    // Own properties only: `toString` or `__proto__` are not methods.
    if (!Object.hasOwn(this.contract.methods, method)) {
      return { id, error: { code: 'unknown_method', message: `unknown method '${method}'` } }
    }
    const spec = this.contract.methods[method]
    const params = await spec.params.safeParseAsync(request.params ?? {})
    if (!params.success) return invalid(id, `invalid params for '${method}': ${formatIssues(params.error.issues, 'params')}`)

    let value: unknown
    try {
      // Looked up, not own-checked: handlers may be methods of a class instance.
      const handler = (this.handlers as unknown as Record<string, AnyHandler | undefined>)[method]
      if (typeof handler !== 'function') throw new Error(`no handler for '${method}'`)
      value = await handler.call(this.handlers, params.data)
    } catch (err) {
      const body = toRpcErrorBody(err)
      if (body.code === 'internal') this.options.onError?.(err, { method })
      return { id, error: body }
    }
    const result = await spec.result.safeParseAsync(value)
    if (!result.success) {
      const message = `handler for '${method}' returned an invalid result: ${formatIssues(result.error.issues, 'result')}`
      this.options.onError?.(new Error(message), { method })
      return { id, error: { code: 'internal', message } }
    }
    return { id, result: result.data }
  }
}

function invalid (id: RpcId | null, message: string): { id: RpcId | null, error: RpcErrorBody } {
  return { id, error: { code: 'invalid_params', message } }
}

function parseJson (text: string): unknown {
  try {
    return JSON.parse(text)
  } catch {
    return undefined
  }
}

/** The request's id if it is one a response may echo, else null. */
function usableId (value: unknown): RpcId | null {
  if (typeof value !== 'object' || value == null) return null
  const parsed = rpcId.safeParse((value as { id?: unknown }).id)
  return parsed.success ? parsed.data : null
}

function send (port: RpcPort, response: RpcResponse): void {
  let text: string
  try {
    text = JSON.stringify(response)
  } catch (err) {
    // A result schema that admits values JSON cannot hold (bigint) is a contract bug.
    text = JSON.stringify({ id: response.id, error: { code: 'internal', message: `the result is not JSON: ${errorMessage(err)}` } })
  }
  trySend(port, text)
}

/** A port that closed mid-call simply misses its answer. */
function trySend (port: RpcPort, text: string): void {
  try {
    port.send(text)
  } catch {
    // closed or broken: the port's close listener cleans up
  }
}

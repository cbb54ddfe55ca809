/**
 * Types for a contract-driven RPC: a contract names each method (a params
 * schema and a result schema) and each event (a data schema). The server, the
 * client and their callers are all typed from one contract value, and the same
 * schemas validate every message at runtime on both ends.
 *
 * Schemas must describe JSON: the wire is JSON text, and each side sends the
 * schema's parsed output, which the other side parses again.
 *
 * @example
 * ```ts
 * const contract = {
 *   methods: { add: { params: z.object({ a: z.number(), b: z.number() }), result: z.number() } },
 *   events: { tick: z.object({ n: z.number() }) }
 * } satisfies ApiContract
 * const sum = await new RpcClient(contract, port).call('add', { a: 1, b: 2 }) // number
 * ```
 */
import type { z } from 'zod'

/** One method: what it takes (a `z.object`, `z.object({})` for none) and what it returns. */
export interface MethodSpec {
  params: z.ZodType
  result: z.ZodType
}

/** Methods and events of one API. */
export interface ApiContract {
  methods: Record<string, MethodSpec>
  events: Record<string, z.ZodType>
}

export type MethodName<C extends ApiContract> = keyof C['methods'] & string
export type EventName<C extends ApiContract> = keyof C['events'] & string

type ParamsSchema<C extends ApiContract, M extends MethodName<C>> = C['methods'][M]['params']
type ResultSchema<C extends ApiContract, M extends MethodName<C>> = C['methods'][M]['result']

/** What a caller passes to `call(M, params)`. */
export type Params<C extends ApiContract, M extends MethodName<C>> = z.input<ParamsSchema<C, M>>
/** What `call(M)` resolves to. */
export type Result<C extends ApiContract, M extends MethodName<C>> = z.output<ResultSchema<C, M>>

/** What a handler receives: params after validation (defaults applied). */
export type HandlerParams<C extends ApiContract, M extends MethodName<C>> = z.output<ParamsSchema<C, M>>
/** What a handler may return; the server validates it before sending. */
export type HandlerResult<C extends ApiContract, M extends MethodName<C>> = z.input<ResultSchema<C, M>>

export type Handler<C extends ApiContract, M extends MethodName<C>> =
  (params: HandlerParams<C, M>) => Promise<HandlerResult<C, M>> | HandlerResult<C, M>

/** One handler per method of the contract; a missing one is a compile error. */
export type Handlers<C extends ApiContract> = { [M in MethodName<C>]: Handler<C, M> }

/** What `emit(E, data)` takes on the server. */
export type EventInput<C extends ApiContract, E extends EventName<C>> = z.input<C['events'][E]>
/** What an `on(E, listener)` listener receives on the client. */
export type EventData<C extends ApiContract, E extends EventName<C>> = z.output<C['events'][E]>

/** Per-call options of `RpcClient.call`. */
export interface CallOptions {
  signal?: AbortSignal
  /** Overrides the client's default; `0` waits forever. */
  timeoutMs?: number
}

/**
 * The arguments after the method name: params may be left out when the
 * method takes nothing required (`z.object({})`, or only optional fields).
 */
export type CallArgs<C extends ApiContract, M extends MethodName<C>> =
  Record<never, never> extends Params<C, M>
    ? [params?: Params<C, M>, options?: CallOptions]
    : [params: Params<C, M>, options?: CallOptions]

/**
 * Longest request text (UTF-16 code units, i.e. `string.length`) a server
 * accepts and a client sends. API calls carry small arguments; the cap keeps a
 * hostile page or a bug from making the engine parse and validate megabytes.
 */
export const MAX_RPC_MESSAGE_CHARS = 256 * 1024

/** A request id: the client picks it, the response echoes it. */
export type RpcId = number | string

/** The JSON text on the wire, one message per transport frame. */
export interface RpcRequest {
  id: RpcId
  method: string
  params?: Record<string, unknown>
}

export interface RpcErrorBody {
  code: string
  message: string
}

/** `id` is `null` when the request was too broken to carry a usable id. */
export type RpcResponse =
  | { id: RpcId | null, result: unknown }
  | { id: RpcId | null, error: RpcErrorBody }

export interface RpcEvent {
  event: string
  data: unknown
}

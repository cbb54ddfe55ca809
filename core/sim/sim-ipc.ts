import { z } from 'zod'

/**
 * The IPC between `parley sim` and its worker processes (`--workers`). The
 * parent runs the relay and the script; each worker runs its share of the
 * engines. Both sides validate every message they receive against these
 * schemas: a message that does not parse is an error, never a guess.
 *
 * Requests that expect an answer carry `req`; the worker answers each with
 * `done` or `error` carrying the same `req`. `send` is fire-and-forget: what
 * happens to the message comes back as `sent`, `delivered`, `failed` and (from
 * the recipient's worker) `received`.
 */

const req = z.number().int().nonnegative()
const name = z.string().min(1).max(100)
const index = z.number().int().nonnegative()

export const workerCommandSchema = z.discriminatedUnion('type', [
  z.object({
    type: z.literal('start'),
    req,
    /** The run's temp dir; each user's data dir is `<root>/<name>`. */
    root: z.string().min(1),
    relayAddr: z.string().min(1),
    users: z.array(name),
    concurrency: z.number().int().positive()
  }),
  z.object({
    type: z.literal('addContacts'),
    req,
    user: name,
    contacts: z.array(z.object({ name, invite: z.string().min(1) }))
  }),
  z.object({ type: z.literal('send'), index, from: name, to: z.string().min(1), text: z.string().min(1) }),
  /** Wait until this worker's event loop is quiet (scenario.ts SETTLE), at most `maxMs`. */
  z.object({ type: z.literal('settle'), req, maxMs: z.number().nonnegative() }),
  /** Stop sampling memory and report it; the engines keep running. */
  z.object({ type: z.literal('finish'), req }),
  /** Stop every engine; the worker answers, then exits. */
  z.object({ type: z.literal('stop'), req })
])

export type WorkerCommand = z.infer<typeof workerCommandSchema>

export const processMemorySchema = z.object({
  role: z.enum(['main', 'worker']),
  nodes: z.number().int().nonnegative(),
  baselineRssBytes: z.number().nonnegative(),
  peakRssBytes: z.number().nonnegative(),
  perNodeBytes: z.number().nullable()
})

export const workerReportSchema = z.discriminatedUnion('type', [
  z.object({ type: z.literal('userStarted'), name, peerId: z.string().min(1), invite: z.string().min(1), reserved: z.boolean() }),
  z.object({
    type: z.literal('done'),
    req,
    memory: processMemorySchema.optional(),
    settle: z.object({ waitedMs: z.number().nonnegative(), quiet: z.boolean() }).optional()
  }),
  /** A failed request, or (without `req`) a command the worker could not parse. */
  z.object({ type: z.literal('error'), req: req.optional(), message: z.string() }),
  z.object({ type: z.literal('sent'), index, id: z.string().min(1) }),
  z.object({ type: z.literal('delivered'), index, latencyMs: z.number().nonnegative() }),
  z.object({ type: z.literal('failed'), index, error: z.string() }),
  z.object({ type: z.literal('received'), id: z.string().min(1) })
])

export type WorkerReport = z.infer<typeof workerReportSchema>

/** The first issue of a failed parse, in words, for an error message. */
export function ipcProblem (error: z.ZodError): string {
  const issue = error.issues[0]
  return issue == null ? 'invalid message' : `${issue.path.join('.') || 'message'}: ${issue.message}`
}

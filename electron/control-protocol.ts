import { z } from 'zod'

/**
 * Main ↔ engine control messages, over the utility process's parentPort.
 * Chat traffic never comes here: it flows renderer ↔ engine over the
 * MessageChannelMain ports that `connect` hands over. Both sides validate
 * every message; anything that does not fit is dropped.
 */

/** Base64 of at most a few KiB: keys, and the keystore's ciphertext of a key. */
const base64 = z.string().max(4096).regex(/^[A-Za-z0-9+/]*={0,2}$/)
const requestId = z.number().int().min(0).max(2 ** 31)
/** safeStorage's backend name, e.g. `gnome_libsecret`, `kwallet5`, `keychain`, `dpapi`. */
export const backendSchema = z.string().regex(/^[a-z0-9_]{1,32}$/)

/** Notification text is cut to this before it leaves the engine. */
export const NOTIFICATION_TITLE_MAX = 100
export const NOTIFICATION_BODY_MAX = 200

export const keystoreErrorCodeSchema = z.enum(['keystore_unavailable', 'keystore_changed', 'keystore_failed'])
export type KeystoreErrorCode = z.infer<typeof keystoreErrorCodeSchema>

const keySourceSchema = z.discriminatedUnion('mode', [
  z.object({ mode: z.literal('safe-storage') }).strict(),
  z.object({ mode: z.literal('passphrase'), passphrase: z.string().min(1).max(1024) }).strict()
])
export type KeySource = z.infer<typeof keySourceSchema>

export const mainToEngineSchema = z.discriminatedUnion('type', [
  /** Open the data dir; sent once, first. */
  z.object({ type: z.literal('start'), dataDir: z.string().min(1).max(4096), key: keySourceSchema }).strict(),
  /** Carries one MessagePort (in `ports`, not in the data): serve the API on it. */
  z.object({ type: z.literal('connect') }).strict(),
  z.object({
    type: z.literal('keystore-result'),
    id: requestId,
    result: z.discriminatedUnion('ok', [
      z.object({ ok: z.literal(true), data: base64, backend: backendSchema }).strict(),
      z.object({ ok: z.literal(false), code: keystoreErrorCodeSchema, message: z.string().max(500) }).strict()
    ])
  }).strict(),
  z.object({ type: z.literal('stop') }).strict()
])
export type MainToEngine = z.infer<typeof mainToEngineSchema>
export type KeystoreResult = Extract<MainToEngine, { type: 'keystore-result' }>['result']

export const engineToMainSchema = z.discriminatedUnion('type', [
  /** Encrypt this (base64) key with safeStorage. */
  z.object({ type: z.literal('keystore-encrypt'), id: requestId, plaintext: base64 }).strict(),
  /** Decrypt this ciphertext, which was made under `backend`. */
  z.object({ type: z.literal('keystore-decrypt'), id: requestId, ciphertext: base64, backend: backendSchema }).strict(),
  z.object({ type: z.literal('ready'), state: z.enum(['onboarding', 'ready']) }).strict(),
  /** The engine could not start; it exits after sending this. */
  z.object({ type: z.literal('failed'), code: z.string().max(64), message: z.string().max(1000) }).strict(),
  /** The unread total for the tray, and a notification when one is due (its text obeys the user's setting). */
  z.object({
    type: z.literal('unread'),
    unread: z.number().int().min(0).max(1_000_000_000),
    notify: z.object({
      title: z.string().min(1).max(NOTIFICATION_TITLE_MAX),
      body: z.string().max(NOTIFICATION_BODY_MAX).optional()
    }).strict().optional()
  }).strict()
])
export type EngineToMain = z.infer<typeof engineToMainSchema>

export function parseMainToEngine (data: unknown): MainToEngine | undefined {
  const parsed = mainToEngineSchema.safeParse(data)
  return parsed.success ? parsed.data : undefined
}

export function parseEngineToMain (data: unknown): EngineToMain | undefined {
  const parsed = engineToMainSchema.safeParse(data)
  return parsed.success ? parsed.data : undefined
}

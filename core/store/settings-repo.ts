import { z } from 'zod'
import { InvalidParamsError } from '../errors.js'
import { peerAddressProblem } from '../net/peer-address.js'
import type { ParleyDatabase } from './database.js'

/** A peer's multiaddr ending in a valid /p2p/<PeerId>: anything else would stop the node from starting. */
const peerAddress = z.string().superRefine((value, ctx) => {
  const problem = peerAddressProblem(value)
  if (problem != null) ctx.addIssue({ code: 'custom', message: `"${value.slice(0, 80)}" ${problem}` })
})

/** What the user can set. The display name is not here: it lives with the identity. */
export const settingsSchema = z.object({
  /** Bootstrap peers' multiaddrs. */
  bootstrap: z.array(peerAddress).max(16),
  /** Relays named in our invites; empty means the bootstrap peers. */
  relays: z.array(peerAddress).max(8),
  notifications: z.object({ enabled: z.boolean(), showContent: z.boolean() }),
  theme: z.enum(['system', 'light', 'dark']),
  /** Find and announce to peers on the LAN with mDNS (desktop preset, from the next start). It tells every libp2p node there our PeerId. */
  mdns: z.boolean()
})
export type Settings = z.infer<typeof settingsSchema>
export type SettingKey = keyof Settings

/** Notifications are on but show no message text until the user opts in; mDNS is off until the user turns it on. */
export const DEFAULT_SETTINGS: Readonly<Settings> = Object.freeze({
  bootstrap: [],
  relays: [],
  notifications: { enabled: true, showContent: false },
  theme: 'system',
  mdns: false
})

// Unknown keys are refused rather than dropped, so a misspelt setting is an error, not a silent no-op.
const patchSchema = settingsSchema.partial().strict()

export const SETTING_KEYS = Object.keys(settingsSchema.shape) as SettingKey[]

/**
 * The user's settings, one JSON value per row. Reads never fail: a value
 * that is missing, or that no longer fits the schema (a newer or older
 * Parley wrote it, or it was damaged), reads as its default. `set` and
 * `update` write, so they expect to run inside `db.write()`.
 */
export class SettingsRepository {
  constructor (private readonly db: ParleyDatabase) {}

  get<K extends SettingKey> (key: K): Settings[K] {
    const row = this.db.statement('SELECT value FROM settings WHERE key = ?').get(key) as { value: string } | undefined
    return parseStored(key, row?.value)
  }

  getAll (): Settings {
    const rows = this.db.statement('SELECT key, value FROM settings').all() as Array<{ key: string, value: string }>
    const stored = new Map(rows.map(row => [row.key, row.value]))
    return {
      bootstrap: parseStored('bootstrap', stored.get('bootstrap')),
      relays: parseStored('relays', stored.get('relays')),
      notifications: parseStored('notifications', stored.get('notifications')),
      theme: parseStored('theme', stored.get('theme')),
      mdns: parseStored('mdns', stored.get('mdns'))
    }
  }

  /** Forgets the stored values of `keys` (all when empty), so they read as their defaults. Call inside `db.write()`. */
  reset (keys: readonly SettingKey[] = []): Settings {
    const statement = this.db.statement('DELETE FROM settings WHERE key = ?')
    for (const key of keys.length > 0 ? keys : SETTING_KEYS) statement.run(key)
    return this.getAll()
  }

  /** What in the stored settings no longer fits and is skipped (reads use the rest, or the default). */
  problems (): string[] {
    const rows = this.db.statement('SELECT key, value FROM settings').all() as Array<{ key: string, value: string }>
    return rows.flatMap(row => {
      if (!(SETTING_KEYS as string[]).includes(row.key)) return []
      const { problem } = readStored(row.key as SettingKey, row.value)
      return problem == null ? [] : [problem]
    })
  }

  /** Validates and stores one setting; throws InvalidParamsError when it does not fit the schema. */
  set<K extends SettingKey> (key: K, value: Settings[K]): void {
    this.update({ [key]: value })
  }

  /**
   * Validates the whole patch first, then stores only the keys it names, so
   * an invalid field leaves every setting as it was. Returns all settings.
   */
  update (patch: Partial<Settings>): Settings {
    const parsed = patchSchema.safeParse(patch)
    if (!parsed.success) throw new InvalidParamsError(`invalid settings: ${z.prettifyError(parsed.error)}`)
    const statement = this.db.statement('INSERT INTO settings (key, value) VALUES (?, ?) ON CONFLICT(key) DO UPDATE SET value = excluded.value')
    for (const key of SETTING_KEYS) {
      const value = parsed.data[key]
      if (value !== undefined) statement.run(key, JSON.stringify(value))
    }
    return this.getAll()
  }
}

/**
 * The stored JSON for `key` if it parses and fits the schema, else a fresh
 * copy of the default. A list keeps the entries that still fit: one address
 * a newer Parley accepted must not drop the user's other bootstrap peers.
 */
function parseStored<K extends SettingKey> (key: K, json: string | undefined): Settings[K] {
  return readStored(key, json).value
}

function readStored<K extends SettingKey> (key: K, json: string | undefined): { value: Settings[K], problem?: string } {
  if (json === undefined) return { value: structuredClone(DEFAULT_SETTINGS[key]) }
  const schema = settingsSchema.shape[key]
  const stored = parseJson(json)
  const result = schema.safeParse(stored)
  // The schema for `key` yields Settings[K]; TypeScript cannot narrow the shape lookup by a generic key.
  if (result.success) return { value: result.data as Settings[K] }
  const problem = `setting "${key}": ${z.prettifyError(result.error).replaceAll('\n', ' ')}`
  if (Array.isArray(stored) && schema instanceof z.ZodArray) {
    const kept = stored.filter(item => schema.element.safeParse(item).success)
    const list = schema.safeParse(kept)
    if (list.success) return { value: list.data as Settings[K], problem }
  }
  return { value: structuredClone(DEFAULT_SETTINGS[key]), problem }
}

function parseJson (json: string): unknown {
  try {
    return JSON.parse(json)
  } catch {
    return undefined
  }
}

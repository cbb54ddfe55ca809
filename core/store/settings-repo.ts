import { z } from 'zod'
import { InvalidParamsError } from '../errors.js'
import type { ParleyDatabase } from './database.js'

/** What the user can set. The display name is not here: it lives with the identity. */
export const settingsSchema = z.object({
  /** Bootstrap peers' multiaddrs. */
  bootstrap: z.array(z.string().max(512)).max(16),
  /** Relays named in our invites; empty means the bootstrap peers. */
  relays: z.array(z.string().max(512)).max(8),
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

const SETTING_KEYS = Object.keys(settingsSchema.shape) as SettingKey[]

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

/** The stored JSON for `key` if it parses and fits the schema, else a fresh copy of the default. */
function parseStored<K extends SettingKey> (key: K, json: string | undefined): Settings[K] {
  if (json !== undefined) {
    const result = settingsSchema.shape[key].safeParse(parseJson(json))
    // The schema for `key` yields Settings[K]; TypeScript cannot narrow the shape lookup by a generic key.
    if (result.success) return result.data as Settings[K]
  }
  return structuredClone(DEFAULT_SETTINGS[key])
}

function parseJson (json: string): unknown {
  try {
    return JSON.parse(json)
  } catch {
    return undefined
  }
}

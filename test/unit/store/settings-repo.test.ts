import { join } from 'node:path'
import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import { ParleyDatabase } from '../../../core/store/database.js'
import { DEFAULT_SETTINGS, SettingsRepository } from '../../../core/store/settings-repo.js'
import { tempDatabase } from '../../helpers/temp.js'
import type { Settings } from '../../../core/store/settings-repo.js'

let db: ParleyDatabase
let dir: string
let key: Uint8Array
let cleanup: () => Promise<void>
let settings: SettingsRepository

beforeEach(() => {
  ({ db, dir, key, cleanup } = tempDatabase())
  settings = new SettingsRepository(db)
})
afterEach(async () => { await cleanup() })

/** A real PeerId: settings refuse addresses whose /p2p/ part does not decode. */
const PEER = '12D3KooWEjFTJxj4c7DiaAUozzZVUNvfnohhAdDiraU9BMF5o8YA'
const peerAddr = (host: string): string => `/ip4/${host}/tcp/4001/p2p/${PEER}`

async function storeRaw (key: string, value: string): Promise<void> {
  await db.write(() => { db.statement('INSERT OR REPLACE INTO settings (key, value) VALUES (?, ?)').run(key, value) })
}

function thrownBy (fn: () => unknown): unknown {
  try {
    fn()
  } catch (err) {
    return err
  }
  throw new Error('expected a throw')
}

function storedKeys (): string[] {
  return (db.statement('SELECT key FROM settings ORDER BY key').all() as Array<{ key: string }>).map(row => row.key)
}

describe('SettingsRepository', () => {
  it('reads the defaults when nothing is stored', () => {
    expect(settings.getAll()).toEqual(DEFAULT_SETTINGS)
    expect(settings.get('theme')).toBe('system')
    expect(settings.get('notifications')).toEqual({ enabled: true, showContent: false })
  })

  it('hands out copies: changing a returned value changes neither the defaults nor what is stored', async () => {
    settings.get('bootstrap').push('/ip4/1.2.3.4/tcp/1')
    settings.getAll().notifications.enabled = false
    expect(DEFAULT_SETTINGS.bootstrap).toEqual([])
    expect(settings.getAll()).toEqual(DEFAULT_SETTINGS)
  })

  it('updates only the keys given and returns everything', async () => {
    const after = await db.write(() => settings.update({ theme: 'dark', relays: [`/dns4/relay.example/tcp/443/wss/p2p/${PEER}`] }))
    expect(after).toEqual({ ...DEFAULT_SETTINGS, theme: 'dark', relays: [`/dns4/relay.example/tcp/443/wss/p2p/${PEER}`] })
    expect(storedKeys()).toEqual(['relays', 'theme'])
    await db.write(() => settings.update({ notifications: { enabled: false, showContent: true } }))
    expect(settings.getAll()).toMatchObject({ theme: 'dark', notifications: { enabled: false, showContent: true } })
    // A key given as undefined is left alone.
    await db.write(() => settings.update({ theme: undefined }))
    expect(settings.get('theme')).toBe('dark')
  })

  it('sets one key with set()', async () => {
    await db.write(() => { settings.set('bootstrap', [peerAddr('10.0.0.1')]) })
    expect(settings.get('bootstrap')).toEqual([peerAddr('10.0.0.1')])
    expect(storedKeys()).toEqual(['bootstrap'])
  })

  it('survives closing and reopening the database', async () => {
    await db.write(() => settings.update({ theme: 'light' }))
    await db.close()
    const reopened = ParleyDatabase.openWithKey(join(dir, 'parley.db'), key)
    try {
      expect(new SettingsRepository(reopened).get('theme')).toBe('light')
    } finally {
      await reopened.close()
    }
  })

  it.each<[string, Partial<Record<keyof Settings | 'unknown', unknown>>]>([
    ['an unknown theme', { theme: 'neon' }],
    ['too many bootstrap peers', { bootstrap: Array.from({ length: 17 }, (_, i) => peerAddr(`10.0.0.${i}`)) }],
    ['too many relays', { relays: Array.from({ length: 9 }, (_, i) => peerAddr(`10.0.0.${i}`)) }],
    ['an address longer than 512 characters', { relays: [`/dns4/${'a'.repeat(513 - 17 - PEER.length)}/tcp/1/p2p/${PEER}`] }],
    ['an address without a PeerId', { bootstrap: ['/ip4/10.0.0.1/tcp/4001'] }],
    ['an address whose PeerId does not decode', { bootstrap: ['/ip4/10.0.0.1/tcp/4001/p2p/12D3KooWexample'] }],
    ['text that is no multiaddr', { relays: ['relay.example.org:4001'] }],
    ['a half notifications object', { notifications: { enabled: false } }],
    ['an unknown key', { unknown: true }]
  ])('refuses %s and writes nothing, not even the valid keys beside it', (_, patch) => {
    // Outside db.write(), so no savepoint could hide a key written before the bad one was noticed.
    expect(thrownBy(() => settings.update({ theme: 'dark', ...patch } as Partial<Settings>))).toMatchObject({ name: 'InvalidParamsError', code: 'invalid_params' })
    expect(storedKeys()).toEqual([])
    expect(settings.getAll()).toEqual(DEFAULT_SETTINGS)
  })

  it('accepts exactly the limits', async () => {
    const bootstrap = Array.from({ length: 16 }, () => `/dns4/${'a'.repeat(512 - 17 - PEER.length)}/tcp/1/p2p/${PEER}`)
    expect(bootstrap[0]).toHaveLength(512)
    const relays = Array.from({ length: 8 }, (_, i) => peerAddr(`10.0.0.${i}`))
    expect(await db.write(() => settings.update({ bootstrap, relays }))).toMatchObject({ bootstrap, relays })
  })

  it.each([
    ['not JSON', 'theme', '{oops'],
    ['a value outside the enum', 'theme', '"neon"'],
    ['the wrong type', 'bootstrap', '"not-a-list"'],
    ['a list over its limit', 'relays', JSON.stringify(Array.from({ length: 9 }, (_, i) => peerAddr(`10.0.0.${i}`)))],
    ['an object missing a field', 'notifications', '{"enabled":false}'],
    ['JSON null', 'notifications', 'null'],
    ['not a boolean', 'mdns', '"yes"']
  ] as const)('reads a stored value that is %s as its default, leaving the other settings as stored', async (_, key, value) => {
    await db.write(() => settings.update({ theme: 'light', bootstrap: [peerAddr('10.1.1.1')], relays: [peerAddr('10.2.2.2')], notifications: { enabled: false, showContent: true }, mdns: true }))
    await storeRaw(key, value)
    expect(settings.get(key)).toEqual(DEFAULT_SETTINGS[key])
    const all = settings.getAll()
    expect(all[key]).toEqual(DEFAULT_SETTINGS[key])
    const others = Object.keys(DEFAULT_SETTINGS).filter(other => other !== key) as Array<keyof Settings>
    for (const other of others) expect(all[other]).not.toEqual(DEFAULT_SETTINGS[other])
  })

  it('skips a stored address that no longer parses, keeps the others, and says so', async () => {
    await storeRaw('bootstrap', JSON.stringify([peerAddr('10.0.0.1'), '/ip4/10.0.0.2/tcp/4001/p2p/12D3KooWexample']))
    expect(settings.get('bootstrap')).toEqual([peerAddr('10.0.0.1')])
    expect(settings.problems()).toEqual([expect.stringContaining('12D3KooWexample')])
    await db.write(() => settings.reset(['bootstrap']))
    expect(settings.problems()).toEqual([])
    expect(storedKeys()).toEqual([])
  })

  it('keeps mDNS off until the user turns it on', async () => {
    expect(settings.get('mdns')).toBe(false)
    expect(await db.write(() => settings.update({ mdns: true }))).toMatchObject({ mdns: true })
    expect(settings.get('mdns')).toBe(true)
    expect(() => settings.update({ mdns: 'on' as unknown as boolean })).toThrow(/invalid settings/)
  })

  it('ignores stored keys it does not know (a newer Parley may have written them)', async () => {
    await storeRaw('fromTheFuture', '{"x":1}')
    expect(settings.getAll()).toEqual(DEFAULT_SETTINGS)
  })
})

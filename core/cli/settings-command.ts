import { z } from 'zod'
import { InvalidParamsError } from '../errors.js'
import { withDaemon } from './daemon-client.js'
import { dataDirFlag, parseFlags } from './flags.js'
import { readPassphrase } from './passphrase.js'
import type { Settings, SettingKey } from '../store/settings-repo.js'
import type { Command } from 'commander'

const EXAMPLE = `
Examples:
  $ parley settings show --data ~/.parley
  $ parley settings reset bootstrap --data ~/.parley
  $ parley settings reset --data ~/.parley          # every setting

With a daemon running, these go through it. Without one they open the data
directory directly (asking for the passphrase), so a setting that keeps the
daemon from working can be undone. A stored value that no longer fits is
listed under "skipped" and ignored at start.`

const flagsSchema = z.object({
  data: dataDirFlag,
  passphraseFile: z.string().min(1).optional(),
  json: z.boolean().default(false)
})
type Flags = z.output<typeof flagsSchema>

interface SettingsView { settings: Settings, skipped: string[] }

/** Registers `parley settings show|reset`: read and undo settings, with or without a running daemon. */
export function registerSettingsCommand (program: Command): void {
  const settings = program.command('settings').description('show or reset the stored settings (works without a running daemon)')
  const common = (command: Command): Command => command
    .option('--data <dir>', 'data directory (default: $PARLEY_DATA)')
    .option('--passphrase-file <file>', 'without a daemon: read the passphrase from the first line of this file (else PARLEY_PASSPHRASE, else a prompt)')
    .option('--json', 'print one JSON document instead of text')
    .addHelpText('after', EXAMPLE)
  common(settings.command('show').description('print the settings'))
    .action(async (raw: Record<string, unknown>) => {
      const flags = parse(raw)
      print(flags, await run(flags, []))
    })
  common(settings.command('reset').argument('[keys...]', 'settings to reset (default: all)').description('put settings back to their defaults'))
    .action(async (keys: string[], raw: Record<string, unknown>) => {
      const flags = parse(raw)
      print(flags, await run(flags, await validKeys(keys), true))
    })
}

function parse (raw: Record<string, unknown>): Flags {
  return parseFlags(flagsSchema, { ...raw, data: raw.data ?? process.env.PARLEY_DATA })
}

async function validKeys (keys: string[]): Promise<SettingKey[]> {
  const { SETTING_KEYS } = await import('../store/settings-repo.js')
  const unknown = keys.filter(k => !(SETTING_KEYS as string[]).includes(k))
  if (unknown.length > 0) throw new InvalidParamsError(`unknown setting ${unknown.map(k => `"${k}"`).join(', ')}; the settings are ${SETTING_KEYS.join(', ')}`)
  return keys as SettingKey[]
}

async function run (flags: Flags, keys: SettingKey[], reset = false): Promise<SettingsView> {
  const { DataDirLock } = await import('../store/dir-lock.js')
  let lock
  try {
    lock = DataDirLock.acquire(flags.data)
  } catch (err) {
    if ((err as { code?: unknown }).code !== 'data_dir_locked') throw err
    return await throughDaemon(flags, keys, reset)
  }
  try {
    const [{ ParleyDatabase }, { PassphraseKeyWrapper }, { SettingsRepository }] = await Promise.all([
      import('../store/database.js'), import('../store/key-wrapper.js'), import('../store/settings-repo.js')
    ])
    const wrapper = new PassphraseKeyWrapper(await readPassphrase({ passphraseFile: flags.passphraseFile, confirm: false }))
    const db = await ParleyDatabase.open(flags.data, wrapper)
    try {
      const repo = new SettingsRepository(db)
      if (reset) await db.write(() => repo.reset(keys))
      return { settings: repo.getAll(), skipped: repo.problems() }
    } finally {
      await db.close()
    }
  } finally {
    lock.release()
  }
}

async function throughDaemon (flags: Flags, keys: SettingKey[], reset: boolean): Promise<SettingsView> {
  const { DEFAULT_SETTINGS, SETTING_KEYS } = await import('../store/settings-repo.js')
  return await withDaemon(flags.data, async client => {
    if (!reset) {
      const { displayName: _, ...settings } = await client.call('getSettings')
      return { settings, skipped: [] }
    }
    const patch = Object.fromEntries((keys.length > 0 ? keys : SETTING_KEYS).map(k => [k, DEFAULT_SETTINGS[k]]))
    const { displayName: _, ...settings } = await client.call('setSettings', patch)
    return { settings, skipped: [] }
  })
}

function print (flags: Flags, view: SettingsView): void {
  if (flags.json) {
    process.stdout.write(`${JSON.stringify(view, null, 2)}\n`)
    return
  }
  const lines = Object.entries(view.settings).map(([key, value]) => `${key}: ${JSON.stringify(value)}`)
  for (const problem of view.skipped) lines.push(`skipped: ${problem}`)
  process.stdout.write(`${lines.join('\n')}\n`)
}

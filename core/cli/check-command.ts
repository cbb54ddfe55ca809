import { z } from 'zod'
import { ParleyError } from '../errors.js'
import { dataDirFlag, parseFlags } from './flags.js'
import { readPassphrase } from './passphrase.js'
import type { IntegrityReport } from '../store/integrity-check.js'
import type { Command } from 'commander'

const EXAMPLE = `
Example:
  $ PARLEY_PASSPHRASE='correct horse battery staple' parley check --data ~/.parley
  sound: 212 pages authenticated, SQLite finds no fault

Checks every page's authentication tag and SQLite's own integrity, and reads
every table, without changing anything. Run it with the daemon stopped, for
example on a backup you restored. Exit 0 when the data is sound; 1 when it
is damaged (the damaged pages and tables are named) or the daemon is still
running; 2 for a wrong passphrase.`

const flagsSchema = z.object({
  data: dataDirFlag,
  passphraseFile: z.string().min(1).optional(),
  json: z.boolean().default(false)
})

/** Registers `parley check`: verify a stopped data directory. */
export function registerCheckCommand (program: Command): void {
  program.command('check')
    .description('verify that a stopped data directory is intact (every page authenticated, SQLite integrity)')
    .option('--data <dir>', 'data directory (default: $PARLEY_DATA)')
    .option('--passphrase-file <file>', 'read the passphrase from the first line of this file (else PARLEY_PASSPHRASE, else a prompt)')
    .option('--json', 'print one JSON document instead of text')
    .addHelpText('after', EXAMPLE)
    .action(async (raw: Record<string, unknown>) => {
      const flags = parseFlags(flagsSchema, { ...raw, data: raw.data ?? process.env.PARLEY_DATA })
      // Loaded here: the store pulls in native modules that `--help` should not wait for.
      const [{ checkDataDir }, { DataDirLock }, { PassphraseKeyWrapper }] = await Promise.all([
        import('../store/integrity-check.js'), import('../store/dir-lock.js'), import('../store/key-wrapper.js')
      ])
      // Before the prompt: nobody should type a passphrase only to hear the daemon still runs.
      const lock = DataDirLock.acquire(flags.data)
      let report: IntegrityReport
      try {
        const wrapper = new PassphraseKeyWrapper(await readPassphrase({ passphraseFile: flags.passphraseFile, confirm: false }))
        report = await checkDataDir(flags.data, wrapper)
      } catch (err) {
        // Files missing or a header that does not open: damaged too, and the message says which.
        if ((err as { code?: unknown }).code !== 'database_damaged') throw err
        report = { sound: false, pages: 0, damagedPages: [], damagedTables: [], problems: [(err as Error).message] }
      } finally {
        lock.release()
      }
      process.stdout.write(`${flags.json ? JSON.stringify(report, null, 2) : describe(report)}\n`)
      if (!report.sound) throw new ParleyError('internal', `${flags.data} is damaged`)
    })
}

function describe (report: IntegrityReport): string {
  if (report.sound) return `sound: ${report.pages} pages authenticated, SQLite finds no fault`
  const lines = ['damaged:']
  if (report.damagedPages.length > 0) lines.push(`  pages that fail their authentication check: ${report.damagedPages.join(', ')}`)
  if (report.damagedTables.length > 0) lines.push(`  tables with rows that cannot be read: ${report.damagedTables.join(', ')}`)
  for (const problem of report.problems.slice(0, 20)) lines.push(`  ${problem}`)
  lines.push('  Restore the data directory from a backup: what a damaged page held cannot be trusted or read.')
  return lines.join('\n')
}

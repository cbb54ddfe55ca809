import { createHash } from 'node:crypto'
import { readFileSync, readdirSync, statSync } from 'node:fs'
import { join } from 'node:path'

/** Every regular file under `dir`, recursively. */
export function filesUnder (dir: string): string[] {
  return readdirSync(dir).flatMap(name => {
    const path = join(dir, name)
    return statSync(path).isDirectory() ? filesUnder(path) : [path]
  })
}

/** The files under `dir` whose bytes contain `needle`. */
export function filesContaining (dir: string, needle: Uint8Array): string[] {
  const pattern = Buffer.from(needle)
  return filesUnder(dir).filter(path => readFileSync(path).includes(pattern))
}

/** path → SHA-256 of the contents, to show that nothing changed. */
export function snapshot (dir: string): Record<string, string> {
  return Object.fromEntries(filesUnder(dir).map(path => [path, createHash('sha256').update(readFileSync(path)).digest('hex')]))
}

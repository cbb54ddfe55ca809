import { readFileSync, rmSync } from 'node:fs'
import { join } from 'node:path'
import { z } from 'zod'
import { ParleyError } from '../errors.js'
import { writePrivateFileAtomic } from '../private-file.js'

/** Where a running daemon says how to reach it: `<data dir>/api.json`, mode 0600. */
export const API_FILE = 'api.json'

const apiFileSchema = z.object({
  url: z.string().regex(/^ws:\/\/127\.0\.0\.1:\d{1,5}\/rpc$/, 'url must be a ws:// address on 127.0.0.1'),
  token: z.string().min(32).max(128),
  pid: z.number().int().positive()
})
export type ApiFile = z.infer<typeof apiFileSchema>

export function writeApiFile (dataDir: string, api: ApiFile): void {
  writePrivateFileAtomic(join(dataDir, API_FILE), `${JSON.stringify(api, null, 2)}\n`)
}

/** Removes the file, but only when it is still ours (a newer daemon may have replaced it). */
export function removeApiFile (dataDir: string, pid: number): void {
  const current = readApiFile(dataDir)
  if (current?.pid === pid) rmSync(join(dataDir, API_FILE), { force: true })
}

/** The file's content, or undefined when there is none; a damaged file is an error. */
export function readApiFile (dataDir: string): ApiFile | undefined {
  let text: string
  try {
    text = readFileSync(join(dataDir, API_FILE), 'utf8')
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return undefined
    throw err
  }
  let json: unknown
  try {
    json = JSON.parse(text)
  } catch {
    throw new ParleyError('internal', `${join(dataDir, API_FILE)} is not JSON`)
  }
  const parsed = apiFileSchema.safeParse(json)
  if (!parsed.success) throw new ParleyError('internal', `${join(dataDir, API_FILE)} is damaged: ${parsed.error.issues[0]?.message ?? 'bad format'}`)
  return parsed.data
}

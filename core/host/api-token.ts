import { randomBytes } from 'node:crypto'
import { readFileSync } from 'node:fs'
import { join } from 'node:path'
import { z } from 'zod'
import { writePrivateFileAtomic } from '../private-file.js'

/**
 * The daemon's API token and port, kept between runs in
 * `<data dir>/api-token.json` (mode 0600). A browser tab keeps the token it
 * was opened with, and its origin includes the port: a daemon that restarts
 * with both unchanged is one the tab can reload into. `--new-token` replaces
 * the token (a leaked one stops working at the next start).
 */
export const API_TOKEN_FILE = 'api-token.json'

/** 32 random bytes, base64url: 43 characters. */
const TOKEN_BYTES = 32

const credentialsSchema = z.object({
  token: z.string().regex(/^[A-Za-z0-9_-]{43}$/),
  port: z.number().int().min(1).max(65_535).optional()
})
export type ApiCredentials = z.infer<typeof credentialsSchema>

export function newApiToken (): string {
  return randomBytes(TOKEN_BYTES).toString('base64url')
}

/**
 * The saved token and port, or a new token (and no port) when there is no
 * file, `renew` is set, or the file is damaged: it holds nothing that cannot
 * be made again.
 */
export function loadApiCredentials (dataDir: string, options: { renew?: boolean } = {}): ApiCredentials {
  if (options.renew !== true) {
    try {
      const parsed = credentialsSchema.safeParse(JSON.parse(readFileSync(join(dataDir, API_TOKEN_FILE), 'utf8')))
      if (parsed.success) return parsed.data
    } catch {
      // Missing or not JSON: start afresh.
    }
  }
  return { token: newApiToken() }
}

export function saveApiCredentials (dataDir: string, credentials: ApiCredentials): void {
  writePrivateFileAtomic(join(dataDir, API_TOKEN_FILE), `${JSON.stringify(credentialsSchema.parse(credentials), null, 2)}\n`)
}

import { createReadStream, existsSync, realpathSync, statSync } from 'node:fs'
import { dirname, extname, join, resolve, sep } from 'node:path'
import { fileURLToPath } from 'node:url'
import { contentSecurityPolicy } from '../api/csp.js'
import { ParleyError } from '../errors.js'
import type { IncomingMessage, ServerResponse } from 'node:http'

/**
 * Serves the built renderer (`dist/ui`) next to the API, for browser mode.
 * It is an `httpHandler` for `startApiServer`: same port, so the page's
 * origin is one the WebSocket already trusts.
 */

export const INDEX_FILE = 'index.html'

/** Content types by extension; anything else is `application/octet-stream` (and `nosniff` stops guessing). */
export const CONTENT_TYPES: Readonly<Record<string, string>> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.mjs': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.json': 'application/json; charset=utf-8',
  '.map': 'application/json; charset=utf-8',
  '.webmanifest': 'application/manifest+json; charset=utf-8',
  '.txt': 'text/plain; charset=utf-8',
  '.svg': 'image/svg+xml',
  '.png': 'image/png',
  '.jpg': 'image/jpeg',
  '.jpeg': 'image/jpeg',
  '.gif': 'image/gif',
  '.webp': 'image/webp',
  '.ico': 'image/x-icon',
  '.woff': 'font/woff',
  '.woff2': 'font/woff2',
  '.ttf': 'font/ttf',
  '.wasm': 'application/wasm'
}

/** Headers on every response, errors included. The CSP is the app's one policy (core/api/csp.ts). */
export function securityHeaders (port: number): Record<string, string> {
  return {
    'content-security-policy': contentSecurityPolicy({ target: 'daemon', port }),
    'x-content-type-options': 'nosniff',
    'referrer-policy': 'no-referrer',
    'x-frame-options': 'DENY',
    'cross-origin-opener-policy': 'same-origin',
    'cross-origin-resource-policy': 'same-origin'
  }
}

export interface UiHandlerOptions {
  /** The built renderer: a directory holding `index.html`. */
  root: string
}

/**
 * The static handler. Throws at once when `root` holds no build, so the
 * daemon fails before it opens the database rather than serving 404s.
 */
export function createUiHandler (options: UiHandlerOptions): (req: IncomingMessage, res: ServerResponse) => void {
  const root = realRoot(options.root)
  return (req, res) => {
    const port = req.socket.localPort ?? 0
    const headers = securityHeaders(port)
    const fail = (status: number, text: string, extra: Record<string, string> = {}): void => {
      res.writeHead(status, { ...headers, ...extra, 'content-type': 'text/plain; charset=utf-8', 'cache-control': 'no-store' })
      res.end(req.method === 'HEAD' ? undefined : `${text}\n`)
    }
    if (req.method !== 'GET' && req.method !== 'HEAD') {
      fail(405, 'method not allowed', { allow: 'GET, HEAD' })
      return
    }
    // DNS rebinding: a foreign name resolving to 127.0.0.1 must not reach our pages.
    if (!isOwnHost(req.headers.host, port)) {
      fail(421, 'misdirected request')
      return
    }
    const resolved = resolveRequest(root, req.url ?? '/')
    if ('status' in resolved) {
      fail(resolved.status, resolved.status === 400 ? 'bad request' : 'not found')
      return
    }
    const { file } = resolved
    let size: number
    try {
      size = statSync(file).size
    } catch {
      fail(404, 'not found') // removed since it was resolved (a rebuild)
      return
    }
    res.writeHead(200, {
      ...headers,
      'content-type': CONTENT_TYPES[extname(file).toLowerCase()] ?? 'application/octet-stream',
      'content-length': String(size),
      // The index names the hashed bundles of this build: never reuse an old one.
      'cache-control': file === join(root, INDEX_FILE) ? 'no-store' : 'no-cache'
    })
    if (req.method === 'HEAD') {
      res.end()
      return
    }
    createReadStream(file).on('error', () => { res.destroy() }).pipe(res)
  }
}

/** A file to send, or the error status to answer with. */
export type Resolved = { file: string } | { status: 400 | 404 }

const BAD: Resolved = { status: 400 }
const NOT_FOUND: Resolved = { status: 404 }

/**
 * Maps a request path to a file under `root` (a real path, symlinks
 * resolved, as `createUiHandler` passes it). Paths without an extension
 * that match no file are client-side routes and get `index.html`; a missing
 * `/x.js` is a plain 404.
 */
export function resolveRequest (root: string, rawUrl: string): Resolved {
  // Absolute-form request targets (`GET http://other/…`) are refused, not reinterpreted.
  if (!rawUrl.startsWith('/') || rawUrl.startsWith('//')) return BAD
  let path: string
  try {
    path = decodeURIComponent(new URL(rawUrl, 'http://127.0.0.1').pathname)
  } catch {
    return BAD
  }
  // The URL parser already folds `..` and `%2e%2e`; decoding can bring them back (`%2f..%2f`).
  const segments = path.split('/').filter(s => s !== '')
  if (path.includes('\0') || path.includes('\\') || segments.some(s => s === '..' || s === '.')) return BAD
  // Dotfiles are never part of a build.
  if (segments.some(s => s.startsWith('.'))) return NOT_FOUND
  const index = insideRoot(root, join(root, INDEX_FILE))
  const file = segments.length === 0 ? index : insideRoot(root, resolve(root, ...segments))
  const isRoute = segments.length > 0 && file == null && extname(segments[segments.length - 1] ?? '') === ''
  const found = isRoute ? index : file
  return found == null ? NOT_FOUND : { file: found }
}

/** The real path of `candidate` when it is a regular file inside `root` (symlinks followed, then checked). */
function insideRoot (root: string, candidate: string): string | null {
  if (!candidate.startsWith(root + sep)) return null
  try {
    const real = realpathSync(candidate)
    if (!real.startsWith(root + sep) || !statSync(real).isFile()) return null
    return real
  } catch {
    return null
  }
}

function isOwnHost (host: string | undefined, port: number): boolean {
  return host === `127.0.0.1:${port}` || host === `localhost:${port}`
}

function realRoot (root: string): string {
  assertUiBuilt(root)
  return realpathSync(root)
}

/** Throws a usage error naming the fix when `root` holds no renderer build. */
export function assertUiBuilt (root: string): void {
  if (!existsSync(join(root, INDEX_FILE))) {
    throw new ParleyError('invalid_params', `the browser UI is not built (no ${join(root, INDEX_FILE)}): run npm run build:ui`)
  }
}

/**
 * `dist/ui` of this checkout: the nearest directory above this module with a
 * package.json (works from `core/host` under tsx and from `dist/core/host`).
 */
export function defaultUiDir (): string {
  let dir = dirname(fileURLToPath(import.meta.url))
  while (!existsSync(join(dir, 'package.json'))) {
    const parent = dirname(dir)
    if (parent === dir) throw new ParleyError('internal', 'cannot find the Parley package directory')
    dir = parent
  }
  return join(dir, 'dist', 'ui')
}

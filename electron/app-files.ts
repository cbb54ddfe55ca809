import { resolve, sep } from 'node:path'
import { APP_SCHEME } from './url-origin.js'

/**
 * Maps an `app://<host>/<path>` URL to a file under that host's root, or
 * undefined. Only listed hosts are served, and nothing outside their root:
 * `..`, encoded slashes and NUL bytes all fail.
 */
export function resolveAppFile (roots: Readonly<Record<string, string>>, rawUrl: string): string | undefined {
  let url: URL
  try {
    url = new URL(rawUrl)
  } catch {
    return undefined
  }
  if (url.protocol !== `${APP_SCHEME}:` || url.username !== '' || url.password !== '' || url.port !== '') return undefined
  const root = Object.hasOwn(roots, url.hostname) ? roots[url.hostname] : undefined
  if (root == null) return undefined
  let path: string
  try {
    path = decodeURIComponent(url.pathname)
  } catch {
    return undefined
  }
  if (path.includes('\0') || path.includes('\\')) return undefined
  const relative = path.replace(/^\/+/, '')
  const rootDir = resolve(root)
  const file = resolve(rootDir, relative === '' ? 'index.html' : relative)
  return file.startsWith(rootDir + sep) ? file : undefined
}

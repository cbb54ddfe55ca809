import { pathToFileURL } from 'node:url'
import { net, protocol } from 'electron'
import { resolveAppFile } from './app-files.js'
import { APP_SCHEME } from './url-origin.js'

/**
 * Registers `app:` as a standard, secure scheme, so pages served from it get a
 * real origin (`app://parley`) that CSP 'self', `postMessage` and the sender
 * checks can rely on. Must run before the app is ready.
 */
export function registerAppScheme (): void {
  protocol.registerSchemesAsPrivileged([
    { scheme: APP_SCHEME, privileges: { standard: true, secure: true, supportFetchAPI: true, codeCache: true } }
  ])
}

/** Serves each host's files from its root (read-only, GET only), with the CSP on every response. */
export function serveAppScheme (roots: Readonly<Record<string, string>>, csp: string): void {
  protocol.handle(APP_SCHEME, async request => {
    if (request.method !== 'GET') return new Response(null, { status: 405 })
    const file = resolveAppFile(roots, request.url)
    if (file == null) return new Response(null, { status: 404 })
    const response = await net.fetch(pathToFileURL(file).toString())
    const headers = new Headers(response.headers)
    headers.set('Content-Security-Policy', csp)
    headers.set('X-Content-Type-Options', 'nosniff')
    headers.set('Cross-Origin-Opener-Policy', 'same-origin')
    return new Response(response.body, { status: response.status, headers })
  })
}

import { isPermissionAllowed } from './permissions.js'
import type { Session } from 'electron'

/**
 * Locks down a session: permissions refused by default (request and check
 * handlers both, since Chromium asks through either), no device access, no
 * downloads, and our CSP on every response.
 */
export function hardenSession (session: Session, options: { csp: string, ownOrigins: () => readonly string[] }): void {
  session.setPermissionRequestHandler((_contents, permission, callback, details) => {
    callback(isPermissionAllowed(permission, details.requestingUrl, options.ownOrigins()))
  })
  session.setPermissionCheckHandler((_contents, permission, requestingOrigin) =>
    isPermissionAllowed(permission, requestingOrigin, options.ownOrigins()))
  session.setDevicePermissionHandler(() => false)
  session.on('will-download', event => { event.preventDefault() })
  session.webRequest.onHeadersReceived((details, callback) => {
    callback({ responseHeaders: { ...withoutCsp(details.responseHeaders), 'Content-Security-Policy': [options.csp] } })
  })
}

/** Drops any CSP header the server sent (in any letter case), so ours is the one that applies. */
function withoutCsp (headers: Record<string, string[]> | undefined): Record<string, string[]> {
  const kept: Record<string, string[]> = {}
  for (const [name, value] of Object.entries(headers ?? {})) {
    if (name.toLowerCase() !== 'content-security-policy') kept[name] = value
  }
  return kept
}

import { originOf } from './url-origin.js'

/**
 * Permissions a page may have: none, except writing to the clipboard from
 * the app's own pages (the "copy invite code" button). Camera, microphone,
 * notifications, geolocation, HID/USB/serial, fullscreen… are all refused.
 * Parley's own notifications come from main, which needs no permission.
 */
const ALLOWED_FOR_OWN_PAGES: ReadonlySet<string> = new Set(['clipboard-sanitized-write'])

export function isPermissionAllowed (permission: string, requestingUrl: string | undefined, ownOrigins: readonly string[]): boolean {
  if (!ALLOWED_FOR_OWN_PAGES.has(permission) || requestingUrl == null) return false
  const origin = originOf(requestingUrl)
  return origin != null && ownOrigins.includes(origin)
}

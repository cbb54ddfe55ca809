/**
 * URL helpers shared by the navigation, sender and permission policies. No
 * Electron import: these run (and are tested) in plain Node.
 */

/** The app's own pages: a privileged standard scheme, so they get a real origin (file:// would be opaque). */
export const APP_SCHEME = 'app'
/** Host of the main window's pages: `app://parley/index.html`. */
export const MAIN_WINDOW_HOST = 'parley'
/** Host of the passphrase prompt: a separate origin, so the chat UI cannot script it. */
export const PASSPHRASE_WINDOW_HOST = 'passphrase'

/**
 * `scheme://host[:port]` of a hierarchical URL, or undefined. Node's `URL`
 * reports "null" as the origin of non-special schemes such as `app:`, so this
 * builds it by hand. URLs with credentials have no origin here: `https://a@b`
 * is a classic way to make a link look like it goes to `a`.
 */
export function originOf (input: string | URL): string | undefined {
  let url: URL
  try {
    url = typeof input === 'string' ? new URL(input) : input
  } catch {
    return undefined
  }
  if (url.host === '' || url.username !== '' || url.password !== '') return undefined
  return `${url.protocol}//${url.host}`
}

/** The origin the main window's pages are served from in a packaged app. */
export function appOrigin (host: string = MAIN_WINDOW_HOST): string {
  return `${APP_SCHEME}://${host}`
}

/**
 * The one Content-Security-Policy of every Parley page. Main sends it as a
 * response header on every app page (protocol handler and dev server); the
 * renderer's build puts the same string in a `<meta>` tag (import it in
 * vite.renderer.config.ts: this module has no runtime dependencies).
 *
 * Scripts, styles and fonts come only from the app itself; no inline script,
 * no eval. Images may also be `data:`/`blob:` (QR codes). The UI talks to the
 * engine over a MessagePort, so it needs no network at all beyond its own
 * origin. `frame-ancestors` is left out: browsers ignore it in `<meta>`, and
 * nothing can frame a top-level Electron window.
 */
export const CONTENT_SECURITY_POLICY = [
  "default-src 'self'",
  "script-src 'self'",
  "style-src 'self'",
  "img-src 'self' data: blob:",
  "font-src 'self'",
  "connect-src 'self'",
  "media-src 'self'",
  "worker-src 'self'",
  "manifest-src 'none'",
  "object-src 'none'",
  "frame-src 'none'",
  "base-uri 'none'",
  "form-action 'none'"
].join('; ')

/**
 * Only for `npm start`, an unpackaged app on Vite's dev server, whose hot
 * reload injects an inline script (React's refresh preamble) and inline
 * styles. A packaged app never uses it (renderer-pages.ts decides).
 */
export const DEV_SERVER_CONTENT_SECURITY_POLICY = CONTENT_SECURITY_POLICY
  .replace("script-src 'self'", "script-src 'self' 'unsafe-inline'")
  .replace("style-src 'self'", "style-src 'self' 'unsafe-inline'")

/** Splits a policy into `directive → sources`, for tests and for merging. */
export function parseCsp (policy: string): Map<string, string[]> {
  const directives = new Map<string, string[]>()
  for (const part of policy.split(';')) {
    const [name, ...sources] = part.trim().split(/\s+/)
    if (name != null && name !== '' && !directives.has(name)) directives.set(name.toLowerCase(), sources)
  }
  return directives
}

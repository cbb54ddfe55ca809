/**
 * The one Content-Security-Policy of every Parley page, in the forms its
 * three deliverers need:
 *
 * - `electron`: the header Electron main sends on `app://` pages (and the
 *   passphrase prompt's `<meta>`); `electron-dev` adds the inline script and
 *   style Vite's dev server injects for hot reload (`npm start` only).
 * - `daemon`: the header `parley daemon --ui` sends; it names its WebSocket.
 * - `meta`: the `<meta>` the renderer build puts in index.html, which keeps
 *   the page strict when opened any other way. Browsers ignore
 *   `frame-ancestors` in a `<meta>` (and say so in the console), so it is
 *   left out there.
 *
 * Scripts, styles, images and fonts come only from the app itself; no inline
 * script, no eval, and no `data:` or `blob:` anywhere: QR codes are inline
 * SVG, the build inlines no assets. It lives in core/api because all three
 * may import it (electron/ imports core/api; the Vite configs import
 * anything); it has no dependencies.
 */
export type CspTarget =
  | { target: 'electron' }
  | { target: 'electron-dev' }
  | { target: 'daemon', port: number }
  | { target: 'meta' }

const BASE: ReadonlyArray<readonly [string, string]> = [
  ['default-src', "'self'"],
  ['script-src', "'self'"],
  ['style-src', "'self'"],
  ['img-src', "'self'"],
  ['font-src', "'self'"],
  ['connect-src', "'self'"],
  ['media-src', "'self'"],
  ['worker-src', "'self'"],
  ['manifest-src', "'none'"],
  ['object-src', "'none'"],
  ['frame-src', "'none'"],
  ['base-uri', "'none'"],
  ['form-action', "'none'"]
]

export function contentSecurityPolicy (options: CspTarget): string {
  const directives = new Map(BASE)
  switch (options.target) {
    case 'electron':
    case 'meta':
      break
    case 'electron-dev':
      directives.set('script-src', "'self' 'unsafe-inline'")
      directives.set('style-src', "'self' 'unsafe-inline'")
      break
    case 'daemon':
      // CSP 3 lets 'self' cover ws: to the same host and port; older engines need it spelled out.
      directives.set('connect-src', `'self' ws://127.0.0.1:${options.port} ws://localhost:${options.port}`)
      break
    default:
      return unknownTarget(options)
  }
  // A header can forbid framing; a <meta> cannot, and Electron windows are top-level anyway.
  if (options.target === 'daemon' || options.target === 'electron') directives.set('frame-ancestors', "'none'")
  return [...directives].map(([name, sources]) => `${name} ${sources}`).join('; ')
}

function unknownTarget (options: never): never {
  throw new Error(`unknown CSP target ${JSON.stringify(options)}`)
}

/** Splits a policy into `directive → sources`, for tests and for merging. */
export function parseCsp (policy: string): Map<string, string[]> {
  const directives = new Map<string, string[]>()
  for (const part of policy.split(';')) {
    const [name, ...sources] = part.trim().split(/\s+/)
    if (name != null && name !== '' && !directives.has(name)) directives.set(name.toLowerCase(), sources)
  }
  return directives
}

import { portFromMessagePort, portFromWebSocket } from '../../core/api/ports.js'
import { authSubprotocols } from '../../core/api/websocket-auth.js'
import type { RpcPort } from '../../core/api/ports.js'

/** How long we wait for the engine before showing the "cannot reach" screen. */
export const CONNECT_TIMEOUT_MS = 5_000

/*
 * The Electron port hand-off is a two-way handshake on this window's own
 * `postMessage` (the sandboxed preload shares the window, not the JS world):
 *
 * 1. The preload asks main for a port to the engine and, once it has one,
 *    posts `{ type: 'parley:port' }` with the MessagePort attached.
 * 2. The preload cannot know when the page's `message` listener exists: a
 *    port posted before that is lost. So once the renderer listens (on every
 *    connection attempt, "Try again" included) it posts
 *    `{ type: 'parley:ready' }` to its own origin; a preload that sees it may
 *    (re-)post the port. Whatever the order, a port reaches a listening page;
 *    the renderer takes the first and ignores any later one.
 *
 * Only messages whose `source` is this window are accepted (see
 * waitForElectronPort). In a browser tab nobody answers `parley:ready`.
 */

/** The message the Electron preload posts, with the engine's MessagePort attached. */
export const ELECTRON_PORT_MESSAGE = 'parley:port'

/** The message the renderer posts to its own window once it listens for {@link ELECTRON_PORT_MESSAGE}. */
export const ELECTRON_READY_MESSAGE = 'parley:ready'

/**
 * Where a browser tab keeps the daemon's API token between reloads.
 *
 * The daemon opens this page as `…/#token=<token>`. We take the token out of
 * the address bar at once, so it does not sit in history, bookmarks, screen
 * shares or a copied link. A reload must still work, so the token goes to
 * `sessionStorage`: it lives only as long as this tab, is never sent over the
 * network by the browser (unlike a cookie), and is not shared with other tabs
 * (unlike `localStorage`). The cost: any script running on this origin can
 * read it — but such a script could already drive the API through this page,
 * and the origin (127.0.0.1 on the daemon's port) serves nothing but Parley.
 */
const TOKEN_STORAGE_KEY = 'parley.apiToken'

/** The page's window with its constructors (`WebSocket`), as tests can fake it. */
type BrowserWindow = Window & typeof globalThis

export type UnreachableReason =
  /** Neither the Electron port nor a WebSocket arrived in time. */
  | 'timeout'
  /** A browser tab with no access token (none in the address, none stored) timed out. */
  | 'no-token'
  /** The WebSocket closed before it opened: the daemon is not running, or it has a new token. */
  | 'refused'

/** The engine could not be reached; `reason` picks the advice shown. */
export class EngineUnreachableError extends Error {
  static override readonly name = 'EngineUnreachableError'
  readonly reason: UnreachableReason

  constructor (reason: UnreachableReason, message: string) {
    super(message)
    this.reason = reason
    this.name = EngineUnreachableError.name
  }
}

export interface ConnectOptions {
  signal?: AbortSignal
  timeoutMs?: number
  /** Injected by tests; the real page passes nothing. */
  window?: BrowserWindow
}

/**
 * Resolves with a port to the engine: the MessagePort the Electron preload
 * hands over, or a WebSocket to the daemon that served this page. Rejects with
 * {@link EngineUnreachableError} when neither comes within `timeoutMs`.
 */
export async function connectToEngine (options: ConnectOptions = {}): Promise<RpcPort> {
  const win = options.window ?? window
  const timeoutMs = options.timeoutMs ?? CONNECT_TIMEOUT_MS
  const token = takeApiToken(win)
  const cleanups: Array<() => void> = []

  try {
    return await new Promise<RpcPort>((resolve, reject) => {
      const fail = (err: Error): void => { reject(err) }
      const timer = setTimeout(() => {
        // Without a token only the Electron port could have come; in a browser that means the link is missing.
        fail(token == null && pageHost(win) === 'browser'
          ? new EngineUnreachableError('no-token', 'this page has no access token for the Parley daemon')
          : new EngineUnreachableError('timeout', `no answer from the Parley engine within ${timeoutMs / 1000} s`))
      }, timeoutMs)
      cleanups.push(() => { clearTimeout(timer) })

      if (options.signal != null) {
        const onAbort = (): void => { fail(new DOMException('connecting was cancelled', 'AbortError')) }
        if (options.signal.aborted) onAbort()
        options.signal.addEventListener('abort', onAbort)
        cleanups.push(() => { options.signal?.removeEventListener('abort', onAbort) })
      }

      cleanups.push(waitForElectronPort(win, resolve))
      if (token != null) cleanups.push(openDaemonSocket(win, token, resolve, fail))
    })
  } finally {
    for (const cleanup of cleanups) cleanup()
  }
}

/**
 * Listens for the preload's port, then says `parley:ready` (see
 * {@link ELECTRON_READY_MESSAGE}); returns the function that stops listening.
 */
function waitForElectronPort (win: BrowserWindow, resolve: (port: RpcPort) => void): () => void {
  const onMessage = (event: MessageEvent): void => {
    const data: unknown = event.data
    const isPortMessage = typeof data === 'object' && data != null && (data as { type?: unknown }).type === ELECTRON_PORT_MESSAGE
    // Only our own window (the preload runs in it) may hand us a port; frames and other windows may not.
    const port = event.ports[0]
    if (event.source === win && isPortMessage && port != null) resolve(portFromMessagePort(port))
  }
  win.addEventListener('message', onMessage)
  try {
    // To this window and this origin only, like the port itself.
    win.postMessage({ type: ELECTRON_READY_MESSAGE }, win.location.origin)
  } catch {
    // An opaque origin ("null", e.g. file://) is no valid target: nobody there to answer anyway.
  }
  return () => { win.removeEventListener('message', onMessage) }
}

/**
 * Opens the daemon's WebSocket and resolves once it is open, so a refused
 * token shows as an error instead of a silent dead port. The token goes as a
 * subprotocol, not in the URL: Chromium prints the URL of every WebSocket
 * that fails to connect. Returns a cleanup that closes the socket only if it
 * never got handed over.
 */
function openDaemonSocket (win: BrowserWindow, token: string, resolve: (port: RpcPort) => void, fail: (err: Error) => void): () => void {
  const scheme = win.location.protocol === 'https:' ? 'wss' : 'ws'
  let socket: WebSocket
  try {
    socket = new win.WebSocket(`${scheme}://${win.location.host}/rpc`, authSubprotocols(token))
  } catch {
    // A hand-made token with characters a subprotocol cannot carry: no daemon token looks like that.
    fail(new EngineUnreachableError('refused', 'this page\'s access token is not one the Parley daemon makes'))
    return () => {}
  }
  let handedOver = false
  socket.addEventListener('open', () => {
    handedOver = true
    resolve(portFromWebSocket(socket))
  })
  const onFailure = (): void => {
    if (handedOver) return
    // The token is kept: the daemon keeps it across restarts, so once it runs again "Try again" or a reload works.
    fail(new EngineUnreachableError('refused', 'the Parley daemon did not accept the connection'))
  }
  socket.addEventListener('error', onFailure)
  socket.addEventListener('close', onFailure)
  return () => {
    socket.removeEventListener('error', onFailure)
    socket.removeEventListener('close', onFailure)
    if (!handedOver) socket.close()
  }
}

/** The `#token=…` in the address bar, if any. */
function tokenInAddress (win: Window): string | null {
  const fromHash = new URLSearchParams(win.location.hash.replace(/^#/, '')).get('token')
  return fromHash != null && fromHash !== '' ? fromHash : null
}

/** True when the daemon's link (with its `#token=…`) was opened, or opened again, in this tab. */
export function addressHasToken (win: Window): boolean {
  return tokenInAddress(win) != null
}

/**
 * Where this page runs, to pick the advice when the engine is missing: the
 * desktop app (Electron serves it from `app://`, or from Vite's dev server
 * in development, with "Electron/" in the user agent) or a browser tab.
 */
export function pageHost (win: Window): 'desktop' | 'browser' {
  if (win.location.protocol === 'app:') return 'desktop'
  return /\bElectron\//.test(win.navigator.userAgent) ? 'desktop' : 'browser'
}

/**
 * The daemon's token: from `#token=…` (then removed from the address bar and
 * kept in sessionStorage, see {@link TOKEN_STORAGE_KEY}), or from an earlier
 * load of this tab. Null in Electron, which needs none.
 */
export function takeApiToken (win: Window): string | null {
  const fromHash = tokenInAddress(win)
  if (fromHash != null) {
    storeApiToken(win, fromHash)
    const { pathname, search } = win.location
    win.history.replaceState(win.history.state, '', `${pathname}${search}`)
    return fromHash
  }
  try {
    return win.sessionStorage.getItem(TOKEN_STORAGE_KEY)
  } catch {
    return null
  }
}

function storeApiToken (win: Window, token: string): void {
  try {
    win.sessionStorage.setItem(TOKEN_STORAGE_KEY, token)
  } catch {
    // Storage disabled: this load still works, a reload will need the link again.
  }
}

import { createHash, timingSafeEqual } from 'node:crypto'
import { createServer } from 'node:http'
import type { IncomingMessage, ServerResponse } from 'node:http'
import type { Duplex } from 'node:stream'
import { WebSocketServer } from 'ws'
import { portFromWebSocket } from '../api/ports.js'
import { API_SUBPROTOCOL, tokenFromSubprotocols } from '../api/websocket-auth.js'
import { ParleyError } from '../errors.js'
import type { RpcPort } from '../api/ports.js'

/** Path of the RPC WebSocket; everything else is left to `httpHandler`. */
export const API_PATH = '/rpc'

/** Largest WebSocket frame accepted; `ws` closes the socket (1009) beyond it. RPC requests are capped far lower. */
export const MAX_WS_PAYLOAD_BYTES = 1024 * 1024

/** A shorter token could be guessed by any local process that can reach the port. */
export const MIN_TOKEN_CHARS = 16

export interface ApiServerOptions {
  /** What serves each connection: an `RpcServer` of any contract. */
  rpc: { connect: (port: RpcPort) => () => void }
  /**
   * Shared secret: offered as a subprotocol (the browser UI, see
   * core/api/websocket-auth.ts) or sent as the `token` query parameter.
   */
  token: string
  /** TCP port on 127.0.0.1; 0 (the default) picks a free one. */
  port?: number
  /**
   * Browser origins allowed to connect, e.g. `http://localhost:5173`. Pages
   * of this server itself (`http://127.0.0.1:<port>`, `http://localhost:<port>`)
   * are always allowed. Clients that send no `Origin` are not browsers and
   * need only the token.
   */
  allowedOrigins?: string[]
  /** Plain HTTP requests (not WebSocket upgrades); without it they get 404. The seam for serving the UI. */
  httpHandler?: (req: IncomingMessage, res: ServerResponse) => void
}

export interface ApiServer {
  /** `ws://127.0.0.1:<port>/rpc`, without the token. */
  url: string
  port: number
  /** Stops listening and terminates every open socket. */
  close: () => Promise<void>
}

/**
 * Serves the RPC over WebSocket on 127.0.0.1 only. Each upgrade must carry the
 * token; a browser must also come from an allowed origin, so a web page the
 * user happens to visit cannot drive the engine even if it learns the port.
 */
export async function startApiServer (options: ApiServerOptions): Promise<ApiServer> {
  if (options.token.length < MIN_TOKEN_CHARS) {
    throw new ParleyError('invalid_params', `the API token must be at least ${MIN_TOKEN_CHARS} characters`)
  }
  const tokenDigest = digest(options.token)
  const origins = new Set(options.allowedOrigins ?? [])
  const wss = new WebSocketServer({
    noServer: true,
    maxPayload: MAX_WS_PAYLOAD_BYTES,
    // Answer the API's subprotocol, never the offered token: the response must not echo it.
    handleProtocols: protocols => protocols.has(API_SUBPROTOCOL) ? API_SUBPROTOCOL : false
  })
  wss.on('error', () => {}) // only raised for a server bound by `ws` itself; never here

  const server = createServer((req, res) => {
    if (options.httpHandler != null) {
      options.httpHandler(req, res)
    } else {
      res.writeHead(404, { 'content-type': 'text/plain' }).end('not found\n')
    }
  })

  server.on('upgrade', (req: IncomingMessage, socket: Duplex, head: Buffer) => {
    socket.on('error', () => { socket.destroy() })
    const url = new URL(req.url ?? '/', 'http://127.0.0.1')
    if (url.pathname !== API_PATH) {
      refuse(socket, 404, 'Not Found')
      return
    }
    const origin = req.headers.origin
    if (origin != null && !origins.has(origin)) {
      refuse(socket, 403, 'Forbidden')
      return
    }
    const offered = url.searchParams.get('token') ?? tokenFromSubprotocols(req.headers['sec-websocket-protocol']) ?? ''
    if (!timingSafeEqual(digest(offered), tokenDigest)) {
      refuse(socket, 401, 'Unauthorized')
      return
    }
    wss.handleUpgrade(req, socket, head, ws => {
      options.rpc.connect(portFromWebSocket(ws))
    })
  })

  await new Promise<void>((resolve, reject) => {
    const onError = (err: Error): void => {
      reject(new ParleyError('internal', `cannot serve the API on 127.0.0.1:${options.port ?? 0}: ${err.message}`, { cause: err }))
    }
    server.once('error', onError)
    server.listen(options.port ?? 0, '127.0.0.1', () => {
      server.off('error', onError)
      resolve()
    })
  })
  const address = server.address()
  const port = typeof address === 'object' && address != null ? address.port : options.port ?? 0
  // Our own pages (the UI served through httpHandler) are same-origin.
  origins.add(`http://127.0.0.1:${port}`)
  origins.add(`http://localhost:${port}`)

  let closing: Promise<void> | undefined
  return {
    url: `ws://127.0.0.1:${port}${API_PATH}`,
    port,
    close: async () => {
      closing ??= (async () => {
        for (const ws of wss.clients) ws.terminate()
        wss.close()
        server.closeAllConnections()
        await new Promise<void>(resolve => { server.close(() => { resolve() }) })
      })()
      await closing
    }
  }
}

/**
 * Both sides hashed to 32 bytes: `timingSafeEqual` needs equal lengths, and
 * comparing digests leaks neither the token's bytes nor its length.
 */
function digest (token: string): Buffer {
  return createHash('sha256').update(token, 'utf8').digest()
}

/** Refuses an upgrade with a plain HTTP status; the socket never becomes a WebSocket. */
function refuse (socket: Duplex, status: number, reason: string): void {
  const body = `${reason}\n`
  socket.once('finish', () => { socket.destroy() })
  socket.end(`HTTP/1.1 ${status} ${reason}\r\nConnection: close\r\nContent-Type: text/plain\r\nContent-Length: ${Buffer.byteLength(body)}\r\n\r\n${body}`)
}

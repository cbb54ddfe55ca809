import { RpcError } from './rpc-errors.js'

/**
 * A bidirectional channel of JSON text: the only thing the RPC server and
 * client need from a transport. Both adapters below carry strings only, so the
 * MessagePort (Electron) and WebSocket (headless) paths behave identically.
 */
export interface RpcPort {
  /** Sends one message; throws `RpcError('disconnected')` once the port is closed. */
  send: (text: string) => void
  /** Adds a listener for each text message received. */
  onMessage: (listener: (text: string) => void) => void
  /** Adds a listener called once when either side closes (at once if already closed). */
  onClose: (listener: () => void) => void
  /** Closes the port; idempotent. */
  close: () => void
}

/**
 * A DOM-style MessagePort: the browser's, Electron's renderer port and Node's
 * `worker_threads` port all fit. Typed by shape so this file needs neither the
 * DOM library nor Node.
 */
export interface EventTargetMessagePort {
  postMessage: (message: string) => void
  addEventListener (type: 'message', listener: (event: { data: unknown }) => void): void
  addEventListener (type: 'close', listener: () => void): void
  start?: () => void
  close: () => void
}

/** Electron's `MessagePortMain` (main and utility processes): an EventEmitter, not an EventTarget. */
export interface EmitterMessagePort {
  postMessage: (message: string) => void
  on (event: 'message', listener: (event: { data: unknown }) => void): unknown
  on (event: 'close', listener: () => void): unknown
  start?: () => void
  close: () => void
}

export type MessagePortLike = EventTargetMessagePort | EmitterMessagePort

/** The part of a WebSocket this module uses: the browser's and the `ws` package's both fit. */
export interface WebSocketLike {
  readonly readyState: number
  send: (data: string) => void
  close: (code?: number, reason?: string) => void
  addEventListener (type: 'message', listener: (event: { data: unknown }) => void): void
  addEventListener (type: 'open' | 'close' | 'error', listener: () => void): void
}

/** WebSocket `readyState` values (the constants are on the class, which we do not import). */
const WS_CONNECTING = 0
const WS_OPEN = 1
/** RFC 6455 status: the endpoint received a type of data it cannot accept. */
const WS_UNSUPPORTED_DATA = 1003
/** Requests sent before a browser socket finishes connecting wait here; a cap keeps a bug from hoarding. */
const MAX_QUEUED_BEFORE_OPEN = 1000

/**
 * An {@link RpcPort} over a MessagePort. Messages that are not strings are
 * dropped: a MessagePort has no way to answer "wrong type", and every sender
 * in Parley posts JSON text.
 */
export function portFromMessagePort (port: MessagePortLike): RpcPort {
  const link = new PortLink(
    text => { port.postMessage(text) },
    () => { port.close() }
  )
  const onData = (event: { data: unknown }): void => {
    if (typeof event.data === 'string') link.deliver(event.data)
  }
  if ('addEventListener' in port) {
    port.addEventListener('message', onData)
    port.addEventListener('close', () => { link.closed() })
  } else {
    port.on('message', onData)
    port.on('close', () => { link.closed() })
  }
  // DOM and Electron ports queue messages until started.
  port.start?.()
  return link.port
}

/**
 * An {@link RpcPort} over a WebSocket, open or still connecting (sends wait for
 * `open`). A binary frame is a protocol violation: the socket closes with 1003
 * and a reason saying to send JSON text.
 */
export function portFromWebSocket (socket: WebSocketLike): RpcPort {
  let queued: string[] = []
  const link = new PortLink(
    text => {
      if (socket.readyState === WS_OPEN) {
        socket.send(text)
      } else if (socket.readyState === WS_CONNECTING && queued.length < MAX_QUEUED_BEFORE_OPEN) {
        queued.push(text)
      } else {
        throw new RpcError('disconnected', 'the WebSocket is not open')
      }
    },
    () => { socket.close() }
  )
  socket.addEventListener('open', () => {
    const pending = queued
    queued = []
    for (const text of pending) socket.send(text)
  })
  socket.addEventListener('message', event => {
    if (typeof event.data === 'string') {
      link.deliver(event.data)
    } else {
      socket.close(WS_UNSUPPORTED_DATA, 'binary frames are not supported: send JSON text')
    }
  })
  // A failed socket also fires `close`, but not every implementation promises it.
  socket.addEventListener('close', () => { link.closed() })
  socket.addEventListener('error', () => { link.closed() })
  if (socket.readyState > WS_OPEN) link.closed()
  return link.port
}

/** Listener bookkeeping and the closed state that every adapter shares. */
class PortLink {
  readonly port: RpcPort
  private readonly messageListeners: Array<(text: string) => void> = []
  private closeListeners: Array<() => void> = []
  private isClosed = false

  constructor (send: (text: string) => void, close: () => void) {
    this.port = {
      send: text => {
        if (this.isClosed) throw new RpcError('disconnected', 'the port is closed')
        send(text)
      },
      onMessage: listener => { this.messageListeners.push(listener) },
      onClose: listener => {
        if (this.isClosed) listener()
        else this.closeListeners.push(listener)
      },
      close: () => {
        if (this.isClosed) return
        this.closed()
        close()
      }
    }
  }

  deliver (text: string): void {
    if (this.isClosed) return
    for (const listener of this.messageListeners) listener(text)
  }

  closed (): void {
    if (this.isClosed) return
    this.isClosed = true
    const listeners = this.closeListeners
    this.closeListeners = []
    for (const listener of listeners) listener()
  }
}

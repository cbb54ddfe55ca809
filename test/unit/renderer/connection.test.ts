// @vitest-environment jsdom
import { describe, expect, it } from 'vitest'
import { ELECTRON_PORT_MESSAGE, ELECTRON_READY_MESSAGE, addressHasToken, connectToEngine, pageHost, takeApiToken } from '../../../renderer/src/connection.js'

type Listener = (event: unknown) => void

/** A socket that opens or fails when told to. */
class FakeSocket {
  static last: FakeSocket | undefined
  readonly url: string
  readonly protocols: string[]
  readyState = 0
  closed = false
  private readonly listeners = new Map<string, Listener[]>()
  constructor (url: string, protocols: string[] = []) {
    this.url = url
    this.protocols = protocols
    FakeSocket.last = this
  }

  addEventListener (type: string, listener: Listener): void { this.listeners.set(type, [...this.listeners.get(type) ?? [], listener]) }
  removeEventListener (type: string, listener: Listener): void { this.listeners.set(type, (this.listeners.get(type) ?? []).filter(l => l !== listener)) }
  send (): void {}
  close (): void { this.closed = true }
  fire (type: 'open' | 'error' | 'close'): void {
    this.readyState = type === 'open' ? 1 : 3
    for (const listener of this.listeners.get(type) ?? []) listener({})
  }
}

interface Posted { data: unknown, targetOrigin: string, listenersThen: number }
type FakeWindow = Window & typeof globalThis & { messageListeners: Listener[], storage: Map<string, string>, posted: Posted[] }

/** The parts of `window` the connection code uses, with a controllable address and storage. */
function fakeWindow (href: string, userAgent = 'Mozilla/5.0 Chrome/150.0'): FakeWindow {
  const url = new URL(href)
  const storage = new Map<string, string>()
  const messageListeners: Listener[] = []
  const posted: Posted[] = []
  const win = {
    location: url,
    history: {
      state: null,
      replaceState: (_state: unknown, _title: string, next: string) => {
        const replaced = new URL(next, url)
        url.hash = replaced.hash
      }
    },
    sessionStorage: {
      getItem: (key: string) => storage.get(key) ?? null,
      setItem: (key: string, value: string) => { storage.set(key, value) },
      removeItem: (key: string) => { storage.delete(key) }
    },
    addEventListener: (_type: string, listener: Listener) => { messageListeners.push(listener) },
    removeEventListener: (_type: string, listener: Listener) => { messageListeners.splice(messageListeners.indexOf(listener), 1) },
    postMessage: (data: unknown, targetOrigin: string) => { posted.push({ data, targetOrigin, listenersThen: messageListeners.length }) },
    navigator: { userAgent },
    WebSocket: FakeSocket,
    messageListeners,
    storage,
    posted
  }
  return win as unknown as FakeWindow
}

describe('the daemon token', () => {
  it('moves from the address bar into session storage, so a reload still works', () => {
    const win = fakeWindow('http://127.0.0.1:4000/#token=s3cret%2Btoken')

    expect(takeApiToken(win)).toBe('s3cret+token')
    expect(win.location.hash).toBe('')
    expect(win.storage.get('parley.apiToken')).toBe('s3cret+token')
    // The reload: no hash any more, same token.
    expect(takeApiToken(win)).toBe('s3cret+token')
  })

  it('is absent in Electron', () => {
    expect(takeApiToken(fakeWindow('file:///app/index.html'))).toBeNull()
  })

  it('is noticed when the daemon\'s link is opened again in the same tab', () => {
    const win = fakeWindow('http://127.0.0.1:4000/')
    expect(addressHasToken(win)).toBe(false)
    win.location.hash = '#token='
    expect(addressHasToken(win)).toBe(false)
    win.location.hash = '#token=fresh'
    expect(addressHasToken(win)).toBe(true)
    // Taking it clears the address, so it is not taken twice.
    expect(takeApiToken(win)).toBe('fresh')
    expect(addressHasToken(win)).toBe(false)
  })
})

describe('pageHost', () => {
  it('tells the desktop app from a browser tab', () => {
    expect(pageHost(fakeWindow('app://parley/index.html'))).toBe('desktop')
    expect(pageHost(fakeWindow('http://localhost:5173/', 'Mozilla/5.0 Chrome/140.0 Electron/45.5.0 Safari/537.36'))).toBe('desktop')
    expect(pageHost(fakeWindow('http://127.0.0.1:4000/'))).toBe('browser')
  })
})

describe('connectToEngine', () => {
  it('takes the MessagePort the Electron preload posts to this window', async () => {
    const win = fakeWindow('file:///app/index.html')
    const connecting = connectToEngine({ window: win, timeoutMs: 1000 })
    const { port1 } = new MessageChannel()
    try {
      // Another window or frame cannot hand us a port.
      for (const listener of [...win.messageListeners]) listener({ source: {}, data: { type: ELECTRON_PORT_MESSAGE }, ports: [port1] })
      for (const listener of [...win.messageListeners]) listener({ source: win, data: { type: ELECTRON_PORT_MESSAGE }, ports: [port1] })
      const port = await connecting
      expect(typeof port.send).toBe('function')
      expect(win.messageListeners).toHaveLength(0)
    } finally {
      port1.close()
    }
  })

  it('says "parley:ready" to its own origin once it listens, so the preload can (re-)post the port', async () => {
    const win = fakeWindow('app://parley/index.html')
    const connecting = connectToEngine({ window: win, timeoutMs: 1000 })
    // Posted after the listener was installed, to this window's origin only, once per attempt.
    expect(win.posted).toEqual([{ data: { type: ELECTRON_READY_MESSAGE }, targetOrigin: win.location.origin, listenersThen: 1 }])
    // Our own "ready" is no port.
    for (const listener of [...win.messageListeners]) listener({ source: win, data: { type: ELECTRON_READY_MESSAGE }, ports: [] })
    const { port1 } = new MessageChannel()
    try {
      for (const listener of [...win.messageListeners]) listener({ source: win, data: { type: ELECTRON_PORT_MESSAGE }, ports: [port1] })
      await expect(connecting).resolves.toBeDefined()
    } finally {
      port1.close()
    }
    // Trying again asks again.
    const again = connectToEngine({ window: win, timeoutMs: 20 })
    expect(win.posted).toHaveLength(2)
    await expect(again).rejects.toMatchObject({ reason: 'timeout' })
  })

  it('opens the daemon WebSocket with the token as a subprotocol, never in the URL, once it is open', async () => {
    const win = fakeWindow('http://127.0.0.1:4000/#token=abc%26def')
    const connecting = connectToEngine({ window: win, timeoutMs: 1000 })
    const socket = FakeSocket.last
    // Chromium prints the URL of a socket that fails to connect: the token must not be in it.
    expect(socket?.url).toBe('ws://127.0.0.1:4000/rpc')
    expect(socket?.protocols).toEqual(['parley.rpc.v1', 'parley-token.abc&def'])
    socket?.fire('open')
    await expect(connecting).resolves.toBeDefined()
    expect(socket?.closed).toBe(false)
  })

  it('reports a refused connection and keeps the token, which the daemon keeps across restarts', async () => {
    const win = fakeWindow('http://127.0.0.1:4000/#token=kept')
    const connecting = connectToEngine({ window: win, timeoutMs: 1000 })
    FakeSocket.last?.fire('close')
    await expect(connecting).rejects.toMatchObject({ name: 'EngineUnreachableError', reason: 'refused' })
    expect(win.storage.get('parley.apiToken')).toBe('kept')
    // Once the daemon is back, trying again (or reloading) uses it.
    const again = connectToEngine({ window: win, timeoutMs: 1000 })
    expect(FakeSocket.last?.protocols).toEqual(['parley.rpc.v1', 'parley-token.kept'])
    FakeSocket.last?.fire('open')
    await expect(again).resolves.toBeDefined()
  })

  it('gives up after the timeout when nothing arrives', async () => {
    const win = fakeWindow('app://parley/index.html')
    await expect(connectToEngine({ window: win, timeoutMs: 20 })).rejects.toMatchObject({ name: 'EngineUnreachableError', reason: 'timeout' })
    expect(win.messageListeners).toHaveLength(0)
  })

  it('says a browser tab has no token when it had none to try', async () => {
    const win = fakeWindow('http://127.0.0.1:4000/')
    FakeSocket.last = undefined
    await expect(connectToEngine({ window: win, timeoutMs: 20 })).rejects.toMatchObject({ name: 'EngineUnreachableError', reason: 'no-token' })
    expect(FakeSocket.last).toBeUndefined()
  })

  it('reads the token again on every attempt: a new link in the address bar wins over the stored one', async () => {
    const win = fakeWindow('http://127.0.0.1:4000/#token=old')
    const first = connectToEngine({ window: win, timeoutMs: 1000 })
    FakeSocket.last?.fire('open')
    await first
    win.location.hash = '#token=new'
    const second = connectToEngine({ window: win, timeoutMs: 1000 })
    expect(FakeSocket.last?.protocols).toEqual(['parley.rpc.v1', 'parley-token.new'])
    FakeSocket.last?.fire('open')
    await second
    expect(win.storage.get('parley.apiToken')).toBe('new')
    expect(win.location.hash).toBe('')
  })
})

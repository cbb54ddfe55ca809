import { connect } from 'node:net'
import { setTimeout as sleep } from 'node:timers/promises'
import { afterEach, describe, expect, it } from 'vitest'
import { WebSocket } from 'ws'
import { z } from 'zod'
import { portFromWebSocket } from '../../core/api/ports.js'
import { RpcClient } from '../../core/api/rpc-client.js'
import { RpcServer } from '../../core/api/rpc-server.js'
import { MAX_RPC_MESSAGE_CHARS } from '../../core/api/rpc-types.js'
import { API_SUBPROTOCOL, authSubprotocols } from '../../core/api/websocket-auth.js'
import { API_PATH, MAX_WS_PAYLOAD_BYTES, MIN_TOKEN_CHARS, startApiServer } from '../../core/host/api-server.js'
import type { RpcError } from '../../core/api/rpc-errors.js'
import type { ApiContract } from '../../core/api/rpc-types.js'
import type { ApiServer, ApiServerOptions } from '../../core/host/api-server.js'

const contract = {
  methods: {
    echo: { params: z.object({ text: z.string() }), result: z.object({ text: z.string() }) },
    add: { params: z.object({ a: z.number(), b: z.number() }), result: z.number() },
    fail: { params: z.object({}), result: z.null() },
    wait: { params: z.object({ ms: z.number() }), result: z.null() },
    tick: { params: z.object({ n: z.number() }), result: z.null() }
  },
  events: { tick: z.object({ n: z.number() }) }
} satisfies ApiContract

const TOKEN = 'token-for-tests-0123456789abcdef'
const ALLOWED = 'http://localhost:5173'

const cleanups: Array<() => Promise<void> | void> = []
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup()
})

async function start (options: Partial<ApiServerOptions> = {}): Promise<ApiServer> {
  const rpc: RpcServer<typeof contract> = new RpcServer(contract, {
    echo: ({ text }) => ({ text }),
    add: ({ a, b }) => a + b,
    fail: () => { throw Object.assign(new Error('no such contact'), { code: 'not_found' }) },
    wait: async ({ ms }) => { await sleep(ms); return null },
    tick: ({ n }) => { rpc.emit('tick', { n }); return null }
  })
  const api = await startApiServer({ rpc, token: TOKEN, allowedOrigins: [ALLOWED], ...options })
  cleanups.push(async () => { rpc.close(); await api.close() })
  return api
}

function withToken (api: ApiServer, token = TOKEN): string {
  return `${api.url}?token=${encodeURIComponent(token)}`
}

/** The HTTP status the upgrade ends with: 101 when the WebSocket opened. */
async function upgradeStatus (url: string, origin?: string): Promise<number> {
  const socket = new WebSocket(url, origin == null ? {} : { origin })
  return await new Promise((resolve, reject) => {
    socket.once('open', () => { socket.close(); resolve(101) })
    socket.once('unexpected-response', (req, res) => { req.destroy(); resolve(res.statusCode ?? 0) })
    socket.once('error', reject)
  })
}

async function openSocket (url: string): Promise<WebSocket> {
  const socket = new WebSocket(url)
  cleanups.push(() => { socket.terminate() })
  await new Promise<void>((resolve, reject) => {
    socket.once('open', () => { resolve() })
    socket.once('error', reject)
  })
  return socket
}

async function closeEvent (socket: WebSocket): Promise<{ code: number, reason: string }> {
  return await new Promise(resolve => {
    socket.once('close', (code, reason) => { resolve({ code, reason: reason.toString() }) })
  })
}

async function refused (host: string, port: number): Promise<string> {
  return await new Promise(resolve => {
    const socket = connect({ host, port })
    socket.once('connect', () => { socket.destroy(); resolve('connected') })
    socket.once('error', (err: NodeJS.ErrnoException) => { resolve(err.code ?? err.message) })
  })
}

describe('startApiServer', () => {
  it('serves the contract over a real WebSocket on 127.0.0.1', async () => {
    const api = await start()
    expect(api.url).toBe(`ws://127.0.0.1:${api.port}${API_PATH}`)
    const client = new RpcClient(contract, portFromWebSocket(new WebSocket(withToken(api))))
    cleanups.push(() => { client.close() })
    const ticks: number[] = []
    client.on('tick', ({ n }) => { ticks.push(n) })
    await expect(client.call('echo', { text: 'hi' })).resolves.toEqual({ text: 'hi' })
    await expect(client.call('add', { a: 1, b: 2 })).resolves.toBe(3)
    await expect(client.call('fail')).rejects.toMatchObject({ name: 'RpcError', code: 'not_found', message: 'no such contact' })
    await client.call('tick', { n: 7 })
    expect(ticks).toEqual([7])
  })

  it('refuses a missing or wrong token with 401', async () => {
    const api = await start()
    await expect(upgradeStatus(api.url)).resolves.toBe(401)
    await expect(upgradeStatus(withToken(api, ''))).resolves.toBe(401)
    await expect(upgradeStatus(withToken(api, 'x'))).resolves.toBe(401)
    await expect(upgradeStatus(withToken(api, `${TOKEN.slice(0, -1)}X`))).resolves.toBe(401)
    await expect(upgradeStatus(withToken(api, `${TOKEN}x`))).resolves.toBe(401)
    await expect(upgradeStatus(withToken(api))).resolves.toBe(101)
  })

  it('takes the token as a subprotocol, as the browser UI sends it, and answers without echoing it', async () => {
    const api = await start()
    /** The upgrade's status and the subprotocol the server chose. */
    const offer = async (protocols: string[]): Promise<{ status: number, protocol: string | undefined }> => {
      const socket = new WebSocket(api.url, protocols, { origin: ALLOWED })
      return await new Promise((resolve, reject) => {
        socket.once('upgrade', res => { resolve({ status: 101, protocol: res.headers['sec-websocket-protocol'] }); socket.close() })
        socket.once('unexpected-response', (req, res) => { req.destroy(); resolve({ status: res.statusCode ?? 0, protocol: undefined }) })
        socket.once('error', reject)
      })
    }
    expect(await offer(authSubprotocols(TOKEN))).toEqual({ status: 101, protocol: API_SUBPROTOCOL })
    expect(await offer(authSubprotocols(`${TOKEN.slice(0, -1)}X`))).toEqual({ status: 401, protocol: undefined })
    expect(await offer([API_SUBPROTOCOL])).toEqual({ status: 401, protocol: undefined })
    const client = new RpcClient(contract, portFromWebSocket(new WebSocket(api.url, authSubprotocols(TOKEN))))
    cleanups.push(() => { client.close() })
    await expect(client.call('echo', { text: 'no token in the URL' })).resolves.toEqual({ text: 'no token in the URL' })
  })

  it('refuses a foreign Origin with 403, even with the right token', async () => {
    const api = await start()
    await expect(upgradeStatus(withToken(api), 'https://evil.example')).resolves.toBe(403)
    await expect(upgradeStatus(withToken(api), 'null')).resolves.toBe(403)
    await expect(upgradeStatus(withToken(api), `${ALLOWED}.evil.example`)).resolves.toBe(403)
    await expect(upgradeStatus(withToken(api), ALLOWED)).resolves.toBe(101)
    // Pages this server serves itself are same-origin.
    await expect(upgradeStatus(withToken(api), `http://127.0.0.1:${api.port}`)).resolves.toBe(101)
    await expect(upgradeStatus(api.url, ALLOWED)).resolves.toBe(401)
  })

  it('answers other paths and plain HTTP with 404, unless given an httpHandler', async () => {
    const api = await start()
    await expect(upgradeStatus(`ws://127.0.0.1:${api.port}/other?token=${TOKEN}`)).resolves.toBe(404)
    const plain = await fetch(`http://127.0.0.1:${api.port}/`)
    expect(plain.status).toBe(404)
    await plain.body?.cancel()

    const served = await start({ httpHandler: (_req, res) => { res.writeHead(200, { 'content-type': 'text/plain' }).end('ui') } })
    const page = await fetch(`http://127.0.0.1:${served.port}/index.html`)
    expect(page.status).toBe(200)
    expect(await page.text()).toBe('ui')
  })

  it('listens on 127.0.0.1 only', async () => {
    const api = await start()
    expect(await refused('127.0.0.1', api.port)).toBe('connected')
    expect(await refused('::1', api.port)).not.toBe('connected')
    // A server bound to every interface would also answer on 127.0.0.2; this stays on loopback to prove it is not.
    expect(await refused('127.0.0.2', api.port)).toBe('ECONNREFUSED')
  })

  it(`closes a socket that sends a frame over ${MAX_WS_PAYLOAD_BYTES} bytes, and only that one`, async () => {
    const api = await start()
    const bystander = new RpcClient(contract, portFromWebSocket(await openSocket(withToken(api))))
    const socket = await openSocket(withToken(api))
    const closed = closeEvent(socket)
    socket.send('x'.repeat(MAX_WS_PAYLOAD_BYTES + 1))
    expect((await closed).code).toBe(1009)
    await expect(bystander.call('add', { a: 2, b: 2 })).resolves.toBe(4)
  })

  it('answers a request over the RPC limit but under the frame limit with invalid_params', async () => {
    const api = await start()
    const socket = await openSocket(withToken(api))
    const reply = new Promise<string>(resolve => { socket.once('message', data => { resolve((data as Buffer).toString('utf8')) }) })
    socket.send(JSON.stringify({ id: 1, method: 'echo', params: { text: 'x'.repeat(MAX_RPC_MESSAGE_CHARS) } }))
    expect(JSON.parse(await reply)).toMatchObject({ id: 1, error: { code: 'invalid_params' } })
  })

  it('closes a socket that sends a binary frame with 1003, and only that one', async () => {
    const api = await start()
    const bystander = new RpcClient(contract, portFromWebSocket(await openSocket(withToken(api))))
    const socket = await openSocket(withToken(api))
    const closed = closeEvent(socket)
    socket.send(Buffer.from('{"id":1,"method":"add","params":{"a":1,"b":2}}'))
    expect(await closed).toEqual({ code: 1003, reason: 'binary frames are not supported: send JSON text' })
    await expect(bystander.call('add', { a: 1, b: 1 })).resolves.toBe(2)
  })

  it('terminates open sockets on close, failing their pending calls', async () => {
    const api = await start()
    const client = new RpcClient(contract, portFromWebSocket(await openSocket(withToken(api))))
    await client.call('add', { a: 1, b: 1 })
    const pending = client.call('wait', { ms: 60_000 })
    await sleep(20)
    await api.close()
    await api.close() // idempotent
    await expect(pending).rejects.toMatchObject({ code: 'disconnected' } satisfies Partial<RpcError>)
    expect(await refused('127.0.0.1', api.port)).toBe('ECONNREFUSED')
  })

  it(`refuses a token shorter than ${MIN_TOKEN_CHARS} characters`, async () => {
    const rpc = new RpcServer(contract, { echo: p => p, add: () => 0, fail: () => null, wait: () => null, tick: () => null })
    await expect(startApiServer({ rpc, token: 'short' })).rejects.toMatchObject({ code: 'invalid_params' })
  })

  it('reports a port that is taken', async () => {
    const api = await start()
    await expect(start({ port: api.port })).rejects.toMatchObject({ code: 'internal', message: expect.stringContaining(`127.0.0.1:${api.port}`) as string })
  })
})

import { setTimeout as sleep } from 'node:timers/promises'
import { MessageChannel } from 'node:worker_threads'
import { afterEach, describe, expect, it, vi } from 'vitest'
import { WebSocket } from 'ws'
import { z } from 'zod'
import { portFromMessagePort, portFromWebSocket } from '../../../core/api/ports.js'
import { RpcClient } from '../../../core/api/rpc-client.js'
import { RpcError, toRpcErrorBody } from '../../../core/api/rpc-errors.js'
import { RpcServer } from '../../../core/api/rpc-server.js'
import { MAX_RPC_MESSAGE_CHARS } from '../../../core/api/rpc-types.js'
import { NotFoundError } from '../../../core/errors.js'
import { startApiServer } from '../../../core/host/api-server.js'
import type { MessagePortLike, RpcPort, WebSocketLike } from '../../../core/api/ports.js'
import type { RpcServerOptions } from '../../../core/api/rpc-server.js'
import type { ApiContract, Handlers, Result } from '../../../core/api/rpc-types.js'
import type { MessagePort as NodeMessagePort } from 'node:worker_threads'

const contract = {
  methods: {
    echo: { params: z.object({ text: z.string() }), result: z.object({ text: z.string() }) },
    add: { params: z.object({ a: z.number(), b: z.number() }), result: z.number() },
    version: { params: z.object({}), result: z.string() },
    ping: { params: z.object({}), result: z.void() },
    /** Throws `{ code }` when given one, else a plain Error. */
    fail: { params: z.object({ code: z.string().optional() }), result: z.null() },
    /** Returns a result that breaks its own schema. */
    broken: { params: z.object({}), result: z.object({ ok: z.boolean() }) },
    wait: { params: z.object({ ms: z.number().int().nonnegative() }), result: z.literal('done') },
    tick: { params: z.object({ n: z.number().int() }), result: z.null() }
  },
  events: { tick: z.object({ n: z.number().int() }) }
} satisfies ApiContract
type TestContract = typeof contract

// Compile-time checks: the adapters fit the real port and socket types.
const _ports: MessagePortLike[] = [] as Array<MessagePort | NodeMessagePort>
const _sockets: WebSocketLike[] = [] as Array<globalThis.WebSocket | WebSocket>
const _sum: Result<TestContract, 'add'> = 0
void [_ports, _sockets, _sum]

function testServer (options?: RpcServerOptions): { server: RpcServer<TestContract>, calls: string[] } {
  const calls: string[] = []
  const handlers: Handlers<TestContract> = {
    echo: ({ text }) => { calls.push('echo'); return { text } },
    add: async ({ a, b }) => a + b,
    version: () => '1.0.0',
    ping: () => {},
    fail: ({ code }) => {
      if (code == null) throw new Error('boom')
      throw Object.assign(new Error(`failed with ${code}`), { code })
    },
    broken: () => ({ ok: 'yes' }) as unknown as { ok: boolean },
    wait: async ({ ms }) => { await sleep(ms); return 'done' as const },
    tick: ({ n }) => { server.emit('tick', { n }); return null }
  }
  const server = new RpcServer(contract, handlers, options)
  return { server, calls }
}

interface Link {
  /** The client's end of the connection. */
  port: RpcPort
  teardown: () => Promise<void>
}

/** Both transports the engine serves; each test runs over each (STYLE.md §7). */
const transports: Array<{ name: string, connect: (server: RpcServer<TestContract>) => Promise<Link> }> = [
  {
    name: 'MessagePort',
    connect: async server => {
      const { port1, port2 } = new MessageChannel()
      server.connect(portFromMessagePort(port2))
      const port = portFromMessagePort(port1)
      return { port, teardown: async () => { port.close(); port2.close() } }
    }
  },
  {
    name: 'WebSocket',
    connect: async server => {
      const api = await startApiServer({ rpc: server, token: 'a-test-token-of-32-characters-xx' })
      // Not awaiting `open`: the port queues until the socket is ready.
      const port = portFromWebSocket(new WebSocket(`${api.url}?token=a-test-token-of-32-characters-xx`))
      return { port, teardown: async () => { port.close(); await api.close() } }
    }
  }
]

const teardowns: Array<() => Promise<void>> = []
afterEach(async () => {
  for (const teardown of teardowns.splice(0)) await teardown()
})

/** Sends raw text down `port` and resolves with the next message that comes back. */
async function raw (port: RpcPort, text: string): Promise<{ id: unknown, result?: unknown, error?: { code: string, message: string } }> {
  return await new Promise(resolve => {
    let done = false
    port.onMessage(reply => {
      if (done) return
      done = true
      resolve(JSON.parse(reply) as { id: unknown })
    })
    port.send(text)
  })
}

async function rejection (promise: Promise<unknown>): Promise<RpcError> {
  const err = await promise.then(() => { throw new Error('expected a rejection') }, (e: unknown) => e)
  expect(err).toBeInstanceOf(RpcError)
  return err as RpcError
}

describe.each(transports)('RPC over $name', ({ connect }) => {
  async function setup (options?: RpcServerOptions): Promise<{ client: RpcClient<TestContract>, server: RpcServer<TestContract>, port: RpcPort, calls: string[] }> {
    const { server, calls } = testServer(options)
    const link = await connect(server)
    teardowns.push(async () => { server.close(); await link.teardown() })
    return { client: new RpcClient(contract, link.port), server, port: link.port, calls }
  }

  it('round-trips every method', async () => {
    const { client } = await setup()
    await expect(client.call('echo', { text: 'héllo ✓' })).resolves.toEqual({ text: 'héllo ✓' })
    await expect(client.call('add', { a: 2, b: 40 })).resolves.toBe(42)
    await expect(client.call('version')).resolves.toBe('1.0.0')
    await expect(client.call('ping', {})).resolves.toBeUndefined()
    await expect(client.call('wait', { ms: 1 })).resolves.toBe('done')
    await expect(client.call('tick', { n: 1 })).resolves.toBeNull()
    expect((await rejection(client.call('fail', {}))).code).toBe('internal')
    expect((await rejection(client.call('broken'))).code).toBe('internal')
  })

  it('answers concurrent calls by id', async () => {
    const { client } = await setup()
    const sums = await Promise.all(Array.from({ length: 50 }, async (_, i) => await client.call('add', { a: i, b: 1 })))
    expect(sums).toEqual(Array.from({ length: 50 }, (_, i) => i + 1))
  })

  it.each([
    ['not JSON', '{"id": 1,', null, 'not JSON'],
    ['an array', '[1, 2]', null, 'JSON object'],
    ['null', 'null', null, 'JSON object'],
    ['a string', '"add"', null, 'JSON object'],
    ['no id', '{"method":"add","params":{"a":1,"b":2}}', null, 'request.id'],
    ['a fractional id', '{"id":1.5,"method":"add","params":{"a":1,"b":2}}', null, 'request.id'],
    ['no method', '{"id":"r1","params":{}}', 'r1', 'request.method'],
    ['params as an array', '{"id":"r2","method":"add","params":[1,2]}', 'r2', 'request.params'],
    ['an unknown key', '{"id":"r3","method":"add","params":{"a":1,"b":2},"jsonrpc":"2.0"}', 'r3', 'jsonrpc'],
    ['a wrong param type', '{"id":"r4","method":"add","params":{"a":"1","b":2}}', 'r4', 'params.a: Invalid input: expected number, received string'],
    ['a missing param', '{"id":"r5","method":"add","params":{"a":1}}', 'r5', 'params.b'],
    ['missing params', '{"id":"r6","method":"echo"}', 'r6', 'params.text'],
    ['a nested error', '{"id":7,"method":"wait","params":{"ms":-1}}', 7, 'params.ms'],
    ['params smuggled in __proto__', '{"id":"r8","method":"add","params":{"__proto__":{"a":1,"b":2}}}', 'r8', 'params.a']
  ])('answers %s with invalid_params and keeps serving', async (_name, text, id, message) => {
    const { client, port } = await setup()
    const reply = await raw(port, text)
    expect(reply.id).toBe(id)
    expect(reply.error?.code).toBe('invalid_params')
    expect(reply.error?.message).toContain(message)
    await expect(client.call('add', { a: 1, b: 2 })).resolves.toBe(3)
  })

  it.each(['nope', 'toString', '__proto__', 'constructor'])('answers method %j with unknown_method', async method => {
    const { client, port } = await setup()
    const reply = await raw(port, JSON.stringify({ id: 'm', method }))
    expect(reply).toEqual({ id: 'm', error: { code: 'unknown_method', message: `unknown method '${method}'` } })
    await expect(client.call('version')).resolves.toBe('1.0.0')
  })

  it(`rejects a request over ${MAX_RPC_MESSAGE_CHARS} characters, with its id`, async () => {
    const { client, port, calls } = await setup()
    const atLimit = JSON.stringify({ id: 'big', method: 'echo', params: { text: '' } })
    const text = 'x'.repeat(MAX_RPC_MESSAGE_CHARS - atLimit.length)
    await expect(raw(port, JSON.stringify({ id: 'big', method: 'echo', params: { text } }))).resolves.toEqual({ id: 'big', result: { text } })
    const reply = await raw(port, JSON.stringify({ id: 'big', method: 'echo', params: { text: `${text}x` } }))
    expect(reply.id).toBe('big')
    expect(reply.error?.code).toBe('invalid_params')
    expect(reply.error?.message).toContain(`the limit is ${MAX_RPC_MESSAGE_CHARS}`)
    const notJson = await raw(port, 'x'.repeat(MAX_RPC_MESSAGE_CHARS + 1))
    expect(notJson.id).toBeNull()
    expect(notJson.error?.code).toBe('invalid_params')
    expect(calls).toEqual(['echo'])
    await expect(client.call('add', { a: 1, b: 2 })).resolves.toBe(3)
  })

  it('keeps serving after a burst of garbage', async () => {
    const { client, port } = await setup()
    const garbage = ['', ' ', '{}', '{"id":{}}', '{"id":[1]}', '{"id":"g","method":7}', '{"id":"g","method":"add","params":null}', '\u0000', '{"__proto__":{"x":1}}', 'true', '1e999']
    for (const text of garbage) port.send(text)
    await expect(client.call('echo', { text: 'still here' })).resolves.toEqual({ text: 'still here' })
  })

  it('keeps a handler error code and its message, never a stack', async () => {
    const { client } = await setup()
    const notFound = await rejection(client.call('fail', { code: 'not_found' }))
    expect(notFound.code).toBe('not_found')
    expect(notFound.name).toBe('RpcError')
    expect(notFound.message).toBe('failed with not_found')
    const plain = await rejection(client.call('fail', {}))
    expect(plain.code).toBe('internal')
    expect(plain.message).toBe('boom')
    expect(plain.stack).not.toContain('rpc.test.ts')
    // A code that is not a plain identifier says nothing reliable.
    expect((await rejection(client.call('fail', { code: 'Not Found!' }))).code).toBe('internal')
  })

  it('answers a result that fails its schema with internal', async () => {
    const onError = vi.fn()
    const { client } = await setup({ onError })
    const err = await rejection(client.call('broken'))
    expect(err.code).toBe('internal')
    expect(err.message).toContain('result.ok')
    expect(onError).toHaveBeenCalledOnce()
  })

  it('delivers validated events to every listener until unsubscribed', async () => {
    const { client, server } = await setup()
    const seen: number[] = []
    const off = client.on('tick', ({ n }) => { seen.push(n) })
    await client.call('tick', { n: 1 })
    expect(server.emit('tick', { n: 2 })).toBe(true)
    await client.call('version') // the event was sent before this answer
    expect(seen).toEqual([1, 2])
    off()
    await client.call('tick', { n: 3 })
    expect(seen).toEqual([1, 2])
  })

  it('rejects pending calls with disconnected when the server goes away', async () => {
    const { client, server } = await setup()
    await client.call('version')
    const pending = client.call('wait', { ms: 60_000 })
    await sleep(20)
    server.close()
    const err = await rejection(pending)
    expect(err.code).toBe('disconnected')
    expect(err.message).toContain("'wait'")
    expect((await rejection(client.call('version'))).code).toBe('disconnected')
  })

  it('rejects pending calls with disconnected when the client closes', async () => {
    const { client } = await setup()
    const pending = client.call('wait', { ms: 60_000 })
    client.close()
    expect((await rejection(pending)).code).toBe('disconnected')
    expect(client.connected).toBe(false)
  })

  it('times out a slow call and ignores its late answer', async () => {
    const { client } = await setup()
    const err = await rejection(client.call('wait', { ms: 300 }, { timeoutMs: 30 }))
    expect(err.code).toBe('timeout')
    await sleep(350)
    await expect(client.call('add', { a: 1, b: 1 })).resolves.toBe(2)
  })

  it('stops waiting when the signal aborts', async () => {
    const { client } = await setup()
    const controller = new AbortController()
    const pending = client.call('wait', { ms: 300 }, { signal: controller.signal })
    controller.abort()
    expect((await rejection(pending)).code).toBe('aborted')
    expect((await rejection(client.call('version', {}, { signal: controller.signal }))).code).toBe('aborted')
  })

  it('checks params and size before sending', async () => {
    const { client, calls } = await setup()
    const wrong = await rejection(client.call('add', { a: 1, b: 'two' } as unknown as { a: number, b: number }))
    expect(wrong.code).toBe('invalid_params')
    expect(wrong.message).toContain('params.b')
    const huge = await rejection(client.call('echo', { text: 'x'.repeat(MAX_RPC_MESSAGE_CHARS) }))
    expect(huge.code).toBe('invalid_params')
    expect(huge.message).toContain(`the limit is ${MAX_RPC_MESSAGE_CHARS}`)
    expect(calls).toEqual([])
  })

  it("does not let one port's garbage disturb another", async () => {
    const { server } = testServer()
    const bad = await connect(server)
    const good = await connect(server)
    teardowns.push(async () => { server.close(); await bad.teardown(); await good.teardown() })
    const client = new RpcClient(contract, good.port)
    const seen: number[] = []
    client.on('tick', ({ n }) => { seen.push(n) })
    for (let i = 0; i < 100; i++) bad.port.send(i % 2 === 0 ? '[' : '{"id":1,"method":"nope"}')
    await expect(client.call('tick', { n: 5 })).resolves.toBeNull()
    expect(seen).toEqual([5])
    expect(server.connections).toBe(2)
  })
})

describe('RpcClient against a hand-written server', () => {
  /** A client on one end of a channel, the test speaking raw text on the other. */
  function rawServer (): { client: RpcClient<TestContract>, requests: Array<{ id: number, method: string }>, reply: (text: string) => void, dropped: string[] } {
    const { port1, port2 } = new MessageChannel()
    const serverSide = portFromMessagePort(port2)
    const dropped: string[] = []
    const client = new RpcClient(contract, portFromMessagePort(port1), { onInvalidMessage: reason => { dropped.push(reason) } })
    const requests: Array<{ id: number, method: string }> = []
    serverSide.onMessage(text => { requests.push(JSON.parse(text) as { id: number, method: string }) })
    teardowns.push(async () => { client.close(); serverSide.close() })
    return { client, requests, reply: text => { serverSide.send(text) }, dropped }
  }

  async function nextRequest (requests: Array<{ id: number }>): Promise<{ id: number }> {
    await vi.waitFor(() => { expect(requests.length).toBeGreaterThan(0) })
    return requests.shift() as { id: number }
  }

  it('drops events whose data fails the schema, and unknown events', async () => {
    const { client, reply, dropped } = rawServer()
    const seen: unknown[] = []
    client.on('tick', data => { seen.push(data) })
    reply(JSON.stringify({ event: 'tick', data: { n: 'one' } }))
    reply(JSON.stringify({ event: 'tock', data: {} }))
    reply(JSON.stringify({ event: 'tick', data: { n: 1, extra: true } }))
    await vi.waitFor(() => { expect(seen).toHaveLength(1) })
    expect(seen).toEqual([{ n: 1 }])
    expect(dropped).toEqual([expect.stringContaining('data.n') as string, "unknown event 'tock'"])
  })

  it('rejects a result that fails its schema with protocol_error', async () => {
    const { client, requests, reply } = rawServer()
    const pending = client.call('add', { a: 1, b: 2 })
    const { id } = await nextRequest(requests)
    reply(JSON.stringify({ id, result: 'three' }))
    const err = await rejection(pending)
    expect(err.code).toBe('protocol_error')
    expect(err.message).toContain("'add'")
  })

  it('keeps going after garbage from the server', async () => {
    const { client, requests, reply, dropped } = rawServer()
    const pending = client.call('add', { a: 1, b: 2 })
    const { id } = await nextRequest(requests)
    for (const text of ['nonsense', '[]', '{"id":999,"result":1}', JSON.stringify({ id, error: 'no' })]) reply(text)
    reply(JSON.stringify({ id, result: 3 }))
    await expect(pending).resolves.toBe(3)
    expect(dropped).toHaveLength(4)
  })

  it('sends params only when given', async () => {
    const { client, requests, reply } = rawServer()
    const pending = client.call('version')
    const request = await nextRequest(requests)
    expect(request).toEqual({ id: request.id, method: 'version' })
    reply(JSON.stringify({ id: request.id, result: '2' }))
    await expect(pending).resolves.toBe('2')
  })
})

describe('RpcServer', () => {
  it('refuses to emit data that fails the event schema', () => {
    const onError = vi.fn()
    const { server } = testServer({ onError })
    expect(server.emit('tick', { n: 1.5 })).toBe(false)
    expect(onError).toHaveBeenCalledWith(expect.objectContaining({ message: expect.stringContaining('data.n') as string }), { event: 'tick' })
  })

  it('closes ports connected after close()', () => {
    const { server } = testServer()
    server.close()
    const { port1, port2 } = new MessageChannel()
    const port = portFromMessagePort(port2)
    const closed = vi.fn()
    port.onClose(closed)
    server.connect(port)
    expect(closed).toHaveBeenCalledOnce()
    port1.close()
  })
})

describe('toRpcErrorBody', () => {
  it('keeps well-formed codes, by property', () => {
    expect(toRpcErrorBody(new NotFoundError('contact'))).toEqual({ code: 'not_found', message: 'contact not found' })
    expect(toRpcErrorBody({ code: 'not_found', message: 'gone' })).toEqual({ code: 'not_found', message: 'gone' })
    expect(toRpcErrorBody(new RpcError('peer_unreachable', 'no route'))).toEqual({ code: 'peer_unreachable', message: 'no route' })
  })

  it('maps everything else to internal', () => {
    expect(toRpcErrorBody(new Error('boom'))).toEqual({ code: 'internal', message: 'boom' })
    expect(toRpcErrorBody({ code: 42, message: 'x' })).toEqual({ code: 'internal', message: 'x' })
    expect(toRpcErrorBody({ code: 'x'.repeat(41) }).code).toBe('internal')
    expect(toRpcErrorBody('just text')).toEqual({ code: 'internal', message: 'just text' })
    expect(toRpcErrorBody(undefined)).toEqual({ code: 'internal', message: 'undefined' })
  })
})

describe('call() typing', () => {
  it('makes params optional only when nothing is required', () => {
    const { port1 } = new MessageChannel()
    const client = new RpcClient(contract, portFromMessagePort(port1))
    // Compile-time only: each line type-checks, or is marked as an expected error.
    const typed = (): void => {
      void client.call('version')
      void client.call('fail')
      // @ts-expect-error add needs { a, b }
      void client.call('add')
      // @ts-expect-error b must be a number
      void client.call('add', { a: 1, b: '2' })
      // @ts-expect-error not a method of the contract
      void client.call('nope')
      // @ts-expect-error not an event of the contract
      client.on('tock', () => {})
    }
    expect(typeof typed).toBe('function')
    client.close()
  })
})

import { join } from 'node:path'
import { MessageChannel } from 'node:worker_threads'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { WebSocket } from 'ws'
import { parleyContract } from '../../core/api/contract.js'
import { portFromMessagePort, portFromWebSocket } from '../../core/api/ports.js'
import { RpcClient } from '../../core/api/rpc-client.js'
import { MAX_NAME_CHARS, MAX_TEXT_BYTES } from '../../core/api/text-rules.js'
import { ParleyHost } from '../../core/host/api-host.js'
import { startApiServer } from '../../core/host/api-server.js'
import { SimNetwork, simKeyWrapper } from '../../core/sim/harness.js'
import type { ParleyContract } from '../../core/api/contract.js'
import type { RpcPort } from '../../core/api/ports.js'
import type { SimUser } from '../../core/sim/harness.js'

/**
 * Text and names through the real API host and engine: what cannot be stored
 * and shown exactly is refused with `invalid_params` and a reason a person can
 * read, and changes nothing; everything else comes back exactly as sent.
 */
const TOKEN = 'a-test-token-that-is-long-enough-for-the-server'

let net: SimNetwork
let host: ParleyHost
let bob: SimUser
let server: Awaited<ReturnType<typeof startApiServer>>

async function openRaw (transport: 'MessagePort' | 'WebSocket'): Promise<RpcPort> {
  if (transport === 'MessagePort') {
    const { port1, port2 } = new MessageChannel()
    host.rpc.connect(portFromMessagePort(port1))
    return portFromMessagePort(port2)
  }
  const socket = new WebSocket(`${server.url}?token=${TOKEN}`)
  await new Promise((resolve, reject) => { socket.once('open', resolve); socket.once('error', reject) })
  return portFromWebSocket(socket)
}

/** Sends one raw request (the client would refuse these params itself) and returns the error it gets. */
async function refusal (port: RpcPort, method: string, params: unknown): Promise<{ code: string, message: string }> {
  const id = Math.floor(Math.random() * 1e9)
  const reply = new Promise<{ error?: { code: string, message: string } }>(resolve => {
    port.onMessage(text => {
      const value = JSON.parse(text) as { id?: unknown, error?: { code: string, message: string } }
      if (value.id === id) resolve(value)
    })
  })
  port.send(JSON.stringify({ id, method, params }))
  const { error } = await reply
  if (error == null) throw new Error(`${method} was accepted: ${JSON.stringify(params).slice(0, 80)}`)
  return error
}

beforeAll(async () => {
  net = await SimNetwork.create()
  bob = await net.addUser('bob')
  host = await ParleyHost.open({ dataDir: join(net.root, 'alice'), wrapper: simKeyWrapper(), preset: 'sim', listen: ['/ip4/127.0.0.1/tcp/0'], bootstrap: [net.relayAddr] })
  server = await startApiServer({ rpc: host.rpc, token: TOKEN })
  const client = new RpcClient(parleyContract, await openRaw('MessagePort'))
  await client.call('createIdentity', { displayName: 'Alice' })
  await client.call('addContact', { invite: await bob.engine.invite(), name: 'Bob' })
  client.close()
}, 60_000)

afterAll(async () => {
  await server?.close()
  await host?.stop()
  await net?.stop()
})

/** Over the limit, in the script of the issue: 17,000 Cyrillic letters are 34,000 bytes. */
const CYRILLIC_OVER = 'я'.repeat(17_000)
/** Exactly at the limit: 2-byte letters. */
const CYRILLIC_AT_LIMIT = 'я'.repeat(MAX_TEXT_BYTES / 2)

const BAD_TEXTS: Array<[string, string, RegExp]> = [
  ['NUL inside', 'a\0b', /^the message contains an invisible control character \(U\+0000\); remove it and try again$/],
  ['a lone NUL', '\0', /control character \(U\+0000\)/],
  ['a bell', 'ding\u0007', /control character \(U\+0007\)/],
  ['a carriage return', 'one\r\ntwo', /control character \(U\+000D\)/],
  ['DEL', 'x\u007f', /control character \(U\+007F\)/],
  ['a C1 control', 'x\u0085y', /control character \(U\+0085\)/],
  ['empty', '', /^the message is empty$/],
  ['only spaces and newlines', '  \n\t ', /^the message has nothing visible in it/],
  ['only zero-width characters', '\u200b\u200c\u200d\u2060\ufeff', /^the message has nothing visible in it/],
  ['only bidi marks', '\u200e\u202e\u2066', /^the message has nothing visible in it/],
  ['a lone surrogate', 'broken \ud800 pair', /broken character/],
  ['17,000 Cyrillic letters', CYRILLIC_OVER, new RegExp(`^the message is too long: 34000 bytes, and the limit is ${MAX_TEXT_BYTES} bytes`)],
  ['one byte over in ASCII', 'x'.repeat(MAX_TEXT_BYTES + 1), /too long/]
]

const BAD_NAMES: Array<[string, string, RegExp]> = [
  ['NUL first', '\0x', /^a name cannot contain control characters such as line breaks \(found U\+0000\)$/],
  ['NUL inside', 'Bo\0b', /U\+0000/],
  ['a line break', 'Bob\nSmith', /U\+000A/],
  ['a tab', 'Bob\tSmith', /U\+0009/],
  ['only spaces', '   ', /^a name must not be empty$/],
  ['only zero-width characters', '\u200b\u200b', /^a name needs at least one visible character$/],
  ['too long', 'n'.repeat(MAX_NAME_CHARS + 1), new RegExp(`^a name must be at most ${MAX_NAME_CHARS} characters$`)]
]

describe('text rules at the API', () => {
  for (const transport of ['MessagePort', 'WebSocket'] as const) {
    it(`refuses messages that could not be stored or shown exactly, over a ${transport}, and stores none of them`, async () => {
      const port = await openRaw(transport)
      for (const [what, text, reason] of BAD_TEXTS) {
        const error = await refusal(port, 'send', { peerId: bob.engine.peerId, text })
        expect(error.code, what).toBe('invalid_params')
        expect(error.message, what).toMatch(/^invalid params for 'send': params\.text: /)
        expect(error.message.replace(/^invalid params for 'send': params\.text: /, ''), what).toMatch(reason)
      }
      port.close()
      expect(host.requireEngine().history(bob.engine.peerId)).toEqual([])
    }, 30_000)
  }

  it('refuses names with control characters or nothing visible, everywhere a name is set, and changes nothing', async () => {
    const port = await openRaw('MessagePort')
    for (const [what, name, reason] of BAD_NAMES) {
      const calls: Array<[string, Record<string, unknown>, string]> = [
        ['renameContact', { peerId: bob.engine.peerId, name }, 'name'],
        ['addContact', { invite: await bob.engine.invite(), name }, 'name'],
        ['setSettings', { displayName: name }, 'displayName'],
        ['createIdentity', { displayName: name }, 'displayName']
      ]
      for (const [method, params, field] of calls) {
        const error = await refusal(port, method, params)
        expect(error.code, `${method} ${what}`).toBe('invalid_params')
        expect(error.message, `${method} ${what}`).toMatch(new RegExp(`^invalid params for '${method}': params\\.${field}: `))
        expect(error.message.replace(/^[^:]+: [^:]+: /, ''), `${method} ${what}`).toMatch(reason)
      }
    }
    port.close()
    const engine = host.requireEngine()
    expect(engine.contacts.get(bob.engine.peerId)?.name).toBe('Bob')
    expect(engine.getSettings().displayName).toBe('Alice')
  }, 30_000)

  it('refuses the same in the engine the API calls, for any other caller', async () => {
    const engine = host.requireEngine()
    const refused = async (call: Promise<unknown>, reason: RegExp): Promise<void> => {
      const err = await call.then(() => undefined, (e: unknown) => e)
      expect(err).toMatchObject({ code: 'invalid_params' })
      expect((err as Error).message).toMatch(reason)
    }
    await refused(engine.send(bob.engine.peerId, 'a\0b'), /U\+0000/)
    await refused(engine.send(bob.engine.peerId, '\u200b'), /nothing visible/)
    await refused(engine.send(bob.engine.peerId, CYRILLIC_OVER), /34000 bytes/)
    await refused(engine.renameContact(bob.engine.peerId, '\0x'), /U\+0000/)
    await refused(engine.addContact(await bob.engine.invite(), '\u200b'), /visible/)
    await refused(engine.setSettings({ displayName: 'A\nB' }), /U\+000A/)
    expect(engine.history(bob.engine.peerId)).toEqual([])
    expect(engine.contacts.get(bob.engine.peerId)?.name).toBe('Bob')
  })

  it('accepts text up to the byte limit and any visible text, and gives it back exactly', async () => {
    const client = new RpcClient<ParleyContract>(parleyContract, await openRaw('WebSocket'))
    const texts = [
      CYRILLIC_AT_LIMIT,
      'tabs\tand\nnew lines stay',
      'مرحبا يا بوب',
      'invoice_\u202etxt.exe',
      'family 👨‍👩‍👧 and a flag 🇫🇷',
      '  padded  '
    ]
    for (const text of texts) {
      const sent = await client.call('send', { peerId: bob.engine.peerId, text })
      expect(sent.text).toBe(text)
    }
    const { messages } = await client.call('messages', { peerId: bob.engine.peerId, limit: 50 })
    expect(messages.map(m => m.text).reverse()).toEqual(texts)
    const renamed = await client.call('renameContact', { peerId: bob.engine.peerId, name: `  ${'n'.repeat(MAX_NAME_CHARS)}  ` })
    expect(renamed.name).toBe('n'.repeat(MAX_NAME_CHARS))
    await client.call('renameContact', { peerId: bob.engine.peerId, name: 'Bob' })
    client.close()
  }, 30_000)
})

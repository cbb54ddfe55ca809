import { join } from 'node:path'
import { MessageChannel } from 'node:worker_threads'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { WebSocket } from 'ws'
import { parleyContract } from '../../core/api/contract.js'
import { portFromMessagePort, portFromWebSocket } from '../../core/api/ports.js'
import { RpcClient } from '../../core/api/rpc-client.js'
import { MAX_RPC_MESSAGE_CHARS } from '../../core/api/rpc-types.js'
import { ParleyHost } from '../../core/host/api-host.js'
import { startApiServer } from '../../core/host/api-server.js'
import { SimNetwork, simKeyWrapper, waitFor } from '../../core/sim/harness.js'
import type { ParleyContract, ParleyMethod } from '../../core/api/contract.js'
import type { RpcPort } from '../../core/api/ports.js'
import type { SimUser } from '../../core/sim/harness.js'

type Client = RpcClient<ParleyContract>
const TOKEN = 'a-test-token-that-is-long-enough-for-the-server'

let net: SimNetwork
let host: ParleyHost
let bob: SimUser
let server: Awaited<ReturnType<typeof startApiServer>>

/** Opens a port to the host over each transport. */
const transports: Record<string, () => Promise<RpcPort>> = {
  MessagePort: async () => {
    const { port1, port2 } = new MessageChannel()
    host.rpc.connect(portFromMessagePort(port1))
    return portFromMessagePort(port2)
  },
  WebSocket: async () => {
    const socket = new WebSocket(`${server.url}?token=${TOKEN}`)
    await new Promise((resolve, reject) => { socket.once('open', resolve); socket.once('error', reject) })
    return portFromWebSocket(socket)
  }
}

beforeAll(async () => {
  net = await SimNetwork.create()
  bob = await net.addUser('bob')
  host = await ParleyHost.open({
    dataDir: join(net.root, 'alice'),
    wrapper: simKeyWrapper(),
    preset: 'sim',
    listen: ['/ip4/127.0.0.1/tcp/0'],
    bootstrap: [net.relayAddr]
  })
  server = await startApiServer({ rpc: host.rpc, token: TOKEN })
}, 60_000)

afterAll(async () => {
  await server?.close()
  await host?.stop()
  await net?.stop()
})

describe('the API host', () => {
  it('starts in onboarding on an empty data dir and creates the identity through the API', async () => {
    const client = new RpcClient(parleyContract, await transports.MessagePort())
    const ready = new Promise(resolve => { client.on('appState', resolve) })
    expect(await client.call('appState')).toEqual({ state: 'onboarding' })
    await expect(client.call('whoami')).rejects.toMatchObject({ code: 'not_initialised' })
    await expect(client.call('createIdentity', { displayName: '  ' })).rejects.toMatchObject({ code: 'invalid_params' })
    const { peerId } = await client.call('createIdentity', { displayName: 'Alice' })
    expect(await ready).toEqual({ state: 'ready', peerId })
    expect(await client.call('appState')).toEqual({ state: 'ready', peerId })
    expect(await client.call('whoami')).toMatchObject({ peerId, displayName: 'Alice' })
    client.close()
  }, 60_000)

  for (const [name, open] of Object.entries(transports)) {
    it(`answers every method of the contract over a ${name}`, async () => {
      const client = new RpcClient(parleyContract, await open())
      const called = await exerciseEveryMethod(client)
      expect([...called].sort()).toEqual(Object.keys(parleyContract.methods).sort())
      client.close()
    }, 90_000)

    it(`refuses malformed calls over a ${name} with a clear code and keeps serving`, async () => {
      const port = await open()
      const replies = collectReplies(port)
      const cases: Array<[string, string]> = [
        ['not json at all', 'invalid_params'],
        ['[1, 2, 3]', 'invalid_params'],
        ['{"method": "whoami"}', 'invalid_params'],
        ['{"id": 1, "method": "send", "params": {"peerId": 5, "text": "hi"}}', 'invalid_params'],
        ['{"id": 2, "method": "send", "params": {"peerId": "12D3KooWBhMbLvQJ2ZDhGrkmNwXwYv6S4YXGkbgNJmvHqRgYKbi6"}}', 'invalid_params'],
        ['{"id": 3, "method": "messages", "params": {"peerId": "12D3KooWBhMbLvQJ2ZDhGrkmNwXwYv6S4YXGkbgNJmvHqRgYKbi6", "limit": 100000}}', 'invalid_params'],
        ['{"id": 4, "method": "messages", "params": {"peerId": "12D3KooWBhMbLvQJ2ZDhGrkmNwXwYv6S4YXGkbgNJmvHqRgYKbi6", "before": "drop table"}}', 'invalid_params'],
        ['{"id": 5, "method": "dropDatabase", "params": {}}', 'unknown_method'],
        ['{"id": 6, "method": "__proto__", "params": {}}', 'unknown_method'],
        [JSON.stringify({ id: 7, method: 'send', params: { peerId: bob.engine.peerId, text: 'x'.repeat(MAX_RPC_MESSAGE_CHARS) } }), 'invalid_params'],
        ['{"id": 8, "method": "addContact", "params": {"invite": "parley:not-really", "name": "Mallory"}}', 'invalid_invite']
      ]
      for (const [text, code] of cases) {
        port.send(text)
        const reply = await replies.next()
        expect(reply, text.slice(0, 80)).toMatchObject({ error: { code } })
        expect(typeof (reply as { error: { message: unknown } }).error.message).toBe('string')
      }
      // Still serving, on the same port.
      port.send('{"id": 9, "method": "appState"}')
      expect(await replies.next()).toMatchObject({ id: 9, result: { state: 'ready' } })
      port.close()
    }, 30_000)
  }
})

/**
 * Calls each method once, checking what it does against the engine on the
 * other side (Bob), and returns the names called.
 */
async function exerciseEveryMethod (client: Client): Promise<Set<ParleyMethod>> {
  const called = new Set<ParleyMethod>()
  const note = (method: ParleyMethod): void => { called.add(method) }

  note('appState')
  const { peerId } = await client.call('appState')
  if (peerId == null) throw new Error('the host should be ready')
  note('createIdentity')
  await expect(client.call('createIdentity', { displayName: 'Again' })).rejects.toMatchObject({ code: 'already_initialised' })
  note('whoami')
  expect((await client.call('whoami')).peerId).toBe(peerId)
  note('invite')
  const { code } = await client.call('invite')
  expect(code).toMatch(/^parley:/)

  note('addContact')
  const added = await client.call('addContact', { invite: await bob.engine.invite(), name: 'Bob' })
  expect(added).toMatchObject({ peerId: bob.engine.peerId, name: 'Bob', state: 'accepted', verified: false })
  await bob.engine.addContact(code, 'Alice')
  note('listContacts')
  expect((await client.call('listContacts')).contacts.map(c => c.peerId)).toEqual([bob.engine.peerId])
  note('renameContact')
  expect((await client.call('renameContact', { peerId: bob.engine.peerId, name: 'Bobby' })).name).toBe('Bobby')

  note('safetyNumber')
  const safety = await client.call('safetyNumber', { peerId: bob.engine.peerId })
  // Both sides compute the same number: that is what people compare.
  expect(safety.digits).toBe(bob.engine.safetyNumber(peerId).digits)
  expect(safety.verified).toBe(false)
  note('markVerified')
  expect((await client.call('markVerified', { peerId: bob.engine.peerId })).verified).toBe(true)
  note('acceptIdentityChange')
  expect(safety.pending).toBeUndefined()
  const bobsKey = Buffer.from(bob.engine.identity.signal.publicKey.serialize()).toString('base64')
  await expect(client.call('acceptIdentityChange', { peerId: bob.engine.peerId, identityKey: bobsKey })).rejects.toMatchObject({ code: 'not_found' })
  await expect(client.call('acceptIdentityChange', { peerId: bob.engine.peerId, identityKey: 'not a key' })).rejects.toMatchObject({ code: 'invalid_params' })

  note('send')
  const delivered = new Promise<void>(resolve => {
    const off = client.on('messageStatus', change => { if (change.status === 'delivered') { off(); resolve() } })
  })
  const sent = await client.call('send', { peerId: bob.engine.peerId, text: 'hello bob, dinner tomorrow?' })
  expect(sent).toMatchObject({ outgoing: true, status: 'queued', text: 'hello bob, dinner tomorrow?' })
  await delivered
  const arrived = new Promise<string>(resolve => {
    const off = client.on('message', message => { if (!message.outgoing) { off(); resolve(message.text) } })
  })
  await bob.engine.send(peerId, 'yes, at eight')
  expect(await arrived).toBe('yes, at eight')

  note('listConversations')
  const [conversation] = (await client.call('listConversations')).conversations
  expect(conversation).toMatchObject({ peerId: bob.engine.peerId, name: 'Bobby', unread: 1, lastMessage: { text: 'yes, at eight' } })
  note('messages')
  const first = await client.call('messages', { peerId: bob.engine.peerId, limit: 1 })
  expect(first.messages.map(m => m.text)).toEqual(['yes, at eight'])
  expect(first.nextCursor).toBeTypeOf('string')
  const older = await client.call('messages', { peerId: bob.engine.peerId, limit: 1, before: first.nextCursor })
  expect(older.messages.map(m => m.text)).toEqual(['hello bob, dinner tomorrow?'])
  note('markRead')
  expect(await client.call('markRead', { peerId: bob.engine.peerId })).toEqual({ marked: 1 })
  expect((await client.call('listConversations')).conversations[0]?.unread).toBe(0)
  note('search')
  const { results } = await client.call('search', { query: 'dinner tomo' })
  expect(results.map(r => r.message.id)).toEqual([sent.id])

  note('status')
  const status = await client.call('status')
  expect(status.peerId).toBe(peerId)
  expect(status.connections.some(c => c.peerId === bob.engine.peerId)).toBe(true)
  note('getSettings')
  expect(await client.call('getSettings')).toMatchObject({ displayName: 'Alice', theme: 'system' })
  note('setSettings')
  expect(await client.call('setSettings', { theme: 'dark' })).toMatchObject({ displayName: 'Alice', theme: 'dark' })
  await expect(client.call('setSettings', { bootstrap: ['/ip4/127.0.0.1/tcp/1'] })).rejects.toMatchObject({ code: 'invalid_params' })
  expect((await client.call('getSettings')).theme).toBe('dark')
  await client.call('setSettings', { theme: 'system' })

  note('removeContact')
  expect(await client.call('removeContact', { peerId: bob.engine.peerId })).toEqual({ removed: true })
  expect((await client.call('listContacts')).contacts).toEqual([])
  expect((await client.call('messages', { peerId: bob.engine.peerId })).messages).toEqual([])
  await bob.engine.removeContact(peerId)
  await waitFor(() => bob.engine.contacts.list().length === 0, 1000)
  return called
}

/** Replies arriving on a raw port, one at a time; events (`network`, …) that come in between are skipped. */
function collectReplies (port: RpcPort): { next: () => Promise<unknown> } {
  const queue: unknown[] = []
  const waiting: Array<(value: unknown) => void> = []
  port.onMessage(text => {
    const value: unknown = JSON.parse(text)
    if (typeof value === 'object' && value != null && 'event' in value) return
    const waiter = waiting.shift()
    if (waiter != null) waiter(value)
    else queue.push(value)
  })
  return {
    next: async () => await new Promise(resolve => {
      if (queue.length > 0) resolve(queue.shift())
      else waiting.push(resolve)
    })
  }
}

import { existsSync, readFileSync, statSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { WebSocket } from 'ws'
import { Child, runToExit } from '../helpers/child.js'
import type { Finished } from '../helpers/child.js'
import { tempDir } from '../helpers/temp.js'

/**
 * The `parley` binary end to end: a relay and two daemons on 127.0.0.1,
 * driven only through the CLI, as a person or a script would.
 */
const PARLEY = fileURLToPath(new URL('../../bin/parley', import.meta.url))
const PASSPHRASE = 'correct horse battery staple'
const env: NodeJS.ProcessEnv = { ...process.env, PARLEY_PASSPHRASE: PASSPHRASE }
delete env.PARLEY_DATA

const root = tempDir('parley-cli')
const children: Child[] = []
let relayAddr = ''

/** Runs one CLI command to completion (asynchronously: the daemons live in this test's event loop too). */
async function parley (args: string[], extraEnv: NodeJS.ProcessEnv = {}): Promise<Finished> {
  return await runToExit(PARLEY, args, { env: { ...env, ...extraEnv } })
}

async function ok (args: string[]): Promise<string> {
  const run = await parley(args)
  expect(run.status, `parley ${args.join(' ')}: ${run.stderr}`).toBe(0)
  return run.stdout
}

function startDaemon (name: string): Child {
  const child = new Child(PARLEY, ['daemon', '--data', join(root.path, name), '--network', 'sim',
    '--listen', '/ip4/127.0.0.1/tcp/0', '--bootstrap', relayAddr], env)
  children.push(child)
  return child
}

async function stopDaemon (daemon: Child): Promise<number | null> {
  daemon.process.kill('SIGTERM')
  return (await daemon.exited).code
}

beforeAll(async () => {
  const relay = new Child(PARLEY, ['relay', '--data', join(root.path, 'relay'), '--listen', '/ip4/127.0.0.1/tcp/0'], env)
  children.push(relay)
  await relay.line('relay ready ')
  const tcp = relay.lines.find(l => l.startsWith('/ip4/127.0.0.1/tcp/') && !l.includes('/ws'))
  if (tcp == null) throw new Error(`the relay printed no TCP address: ${relay.lines.join('\n')}`)
  relayAddr = tcp
}, 60_000)

afterAll(async () => {
  await Promise.all(children.map(async c => { await c.kill() }))
  root.remove()
})

describe('parley daemon and the CLI', () => {
  it('exchange invites, send with --wait delivered, read, search, and keep it all across restarts', async () => {
    const alice = join(root.path, 'alice')
    const bob = join(root.path, 'bob')
    const alicePeer = (await ok(['init', '--data', alice, '--name', 'Alice'])).trim()
    await ok(['init', '--data', bob, '--name', 'Bob'])

    let aliceDaemon = startDaemon('alice')
    let bobDaemon = startDaemon('bob')
    expect(await aliceDaemon.line('ready ')).toBe(`ready ${alicePeer}`)
    await bobDaemon.line('ready ')
    expect((statSync(join(alice, 'api.json')).mode & 0o777).toString(8)).toBe('600')

    expect((await ok(['id', '--data', alice])).trim()).toBe(alicePeer)
    expect(JSON.parse(await ok(['id', '--data', alice, '--json']))).toMatchObject({ peerId: alicePeer, displayName: 'Alice' })

    const aliceInvite = (await ok(['invite', '--data', alice])).trim()
    expect(aliceInvite).toMatch(/^parley:/)
    const bobInvite = (await ok(['invite', '--data', bob])).trim()
    expect((await ok(['contacts', 'add', aliceInvite, '--name', 'Alice', '--data', bob])).trim()).toBe(alicePeer)
    await ok(['contacts', 'add', bobInvite, '--name', 'Bob', '--data', alice])
    expect(await ok(['contacts', 'list', '--data', alice])).toContain('Bob')

    const text = 'dinner tomorrow at <b>eight</b>?'
    const sent = await parley(['send', 'bob', text, '--wait', 'delivered', '--timeout', '30', '--data', alice])
    expect(sent.status, sent.stderr).toBe(0)
    const messageId = sent.stdout.trim()
    expect(messageId).toMatch(/^[0-9a-f]{32}$/)

    const onBob = JSON.parse(await ok(['messages', 'Alice', '--data', bob, '--json'])) as { messages: Array<{ id: string, text: string, outgoing: boolean }> }
    expect(onBob.messages).toMatchObject([{ id: messageId, text, outgoing: false }])
    expect(await ok(['messages', 'Alice', '--data', bob])).toContain(`Alice: ${text}`)
    expect(await ok(['messages', 'Bob', '--data', alice])).toContain('(delivered)')

    const found = JSON.parse(await ok(['search', 'dinner tomo', '--data', bob, '--json'])) as { results: Array<{ message: { id: string } }> }
    expect(found.results.map(r => r.message.id)).toEqual([messageId])
    expect(JSON.parse(await ok(['search', 'breakfast', '--data', bob, '--json']))).toEqual({ results: [] })

    const status = JSON.parse(await ok(['status', '--data', alice, '--json'])) as { peerId: string, connections: Array<{ peerId: string }> }
    expect(status.peerId).toBe(alicePeer)
    expect(status.connections.length).toBeGreaterThan(0)

    // Restart both: a clean stop, the API file gone, and everything still there.
    expect(await stopDaemon(aliceDaemon)).toBe(0)
    expect(await stopDaemon(bobDaemon)).toBe(0)
    expect(aliceDaemon.lines.at(-1)).toBe('daemon stopped')
    expect(existsSync(join(alice, 'api.json'))).toBe(false)
    expect((await parley(['id', '--data', alice])).status).toBe(3)

    aliceDaemon = startDaemon('alice')
    bobDaemon = startDaemon('bob')
    await Promise.all([aliceDaemon.line('ready '), bobDaemon.line('ready ')])
    expect(await ok(['messages', 'Alice', '--data', bob])).toContain(text)
    expect(await ok(['messages', 'Bob', '--data', alice])).toContain(text)
    const reply = await parley(['send', alicePeer, 'yes!', '--wait', 'delivered', '--timeout', '30', '--data', bob])
    expect(reply.status, reply.stderr).toBe(0)
    expect(await ok(['messages', 'Bob', '--data', alice])).toContain('Bob: yes!')
  }, 180_000)

  it('refuses a wrong token, a foreign Origin and a second daemon on the same directory', async () => {
    const carol = join(root.path, 'carol')
    await ok(['init', '--data', carol, '--name', 'Carol'])
    const daemon = startDaemon('carol')
    await daemon.line('ready ')
    const api = JSON.parse(readFileSync(join(carol, 'api.json'), 'utf8')) as { url: string, token: string }
    expect(api.url).toMatch(/^ws:\/\/127\.0\.0\.1:\d+\/rpc$/)

    expect(await upgradeStatus(`${api.url}?token=${'x'.repeat(api.token.length)}`)).toBe(401)
    expect(await upgradeStatus(api.url)).toBe(401)
    expect(await upgradeStatus(`${api.url}?token=${api.token}`, 'https://evil.example')).toBe(403)
    expect(await upgradeStatus(`${api.url}?token=${api.token}`)).toBe(101)

    const second = await parley(['daemon', '--data', carol, '--network', 'sim', '--listen', '/ip4/127.0.0.1/tcp/0'])
    expect(second.status).toBe(1)
    expect(second.stderr).toMatch(/another Parley \(pid \d+\) is using/)
    // The first one still answers.
    expect((await parley(['id', '--data', carol])).status).toBe(0)
    expect(await stopDaemon(daemon)).toBe(0)
  }, 60_000)

  it('says when no daemon runs (exit 3), and rejects bad input with exit 2', async () => {
    const dave = join(root.path, 'dave')
    await ok(['init', '--data', dave, '--name', 'Dave'])
    const none = await parley(['contacts', 'list', '--data', dave])
    expect(none.status).toBe(3)
    expect(none.stderr).toContain('no Parley daemon is running')
    // A daemon that died without cleaning up leaves a stale api.json.
    writeFileSync(join(dave, 'api.json'), JSON.stringify({ url: 'ws://127.0.0.1:1/rpc', token: 't'.repeat(43), pid: 999_999 }))
    expect((await parley(['id', '--data', dave])).status).toBe(3)

    const daemon = startDaemon('dave')
    await daemon.line('ready ')
    const unknown = await parley(['send', 'Nobody', 'hi', '--data', dave])
    expect(unknown.status).toBe(2)
    expect(unknown.stderr).toContain('contact "Nobody" not found')
    expect((await parley(['contacts', 'add', 'parley:garbage', '--name', 'X', '--data', dave])).status).toBe(2)
    expect((await parley(['messages', 'x', '--limit', '0', '--data', dave])).status).toBe(2)
    expect((await parley(['send', 'x', 'hi', '--wait', 'read', '--data', dave])).status).toBe(2)
    expect((await parley(['id'])).status).toBe(2)
    expect(await stopDaemon(daemon)).toBe(0)
  }, 60_000)

  it('starts in onboarding on an empty directory and becomes ready once a client creates the identity', async () => {
    const erin = join(root.path, 'erin')
    const daemon = startDaemon('erin')
    await daemon.line('onboarding')
    const api = JSON.parse(readFileSync(join(erin, 'api.json'), 'utf8')) as { url: string, token: string }
    const socket = new WebSocket(`${api.url}?token=${api.token}`)
    await new Promise((resolve, reject) => { socket.once('open', resolve); socket.once('error', reject) })
    // Events (appState) may come first: wait for the reply with our id.
    const reply = new Promise<{ result: { peerId: string } }>(resolve => {
      socket.on('message', (data: Buffer) => {
        const message = JSON.parse(data.toString()) as { id?: number, result: { peerId: string } }
        if (message.id === 1) resolve(message)
      })
    })
    socket.send(JSON.stringify({ id: 1, method: 'createIdentity', params: { displayName: 'Erin' } }))
    const { result } = await reply
    expect(await daemon.line('ready ')).toBe(`ready ${result.peerId}`)
    socket.close()
    expect((await ok(['id', '--data', erin])).trim()).toBe(result.peerId)
    expect(await stopDaemon(daemon)).toBe(0)
  }, 60_000)

  it('every command has --help with an example', async () => {
    for (const command of [['daemon'], ['id'], ['invite'], ['contacts', 'add'], ['contacts', 'list'], ['send'], ['messages'], ['search'], ['status']]) {
      const help = await parley([...command, '--help'])
      expect(help.status, command.join(' ')).toBe(0)
      expect(help.stdout, command.join(' ')).toContain('Example:')
    }
  }, 60_000)
})

/** The HTTP status a WebSocket upgrade gets: 101 when accepted. */
async function upgradeStatus (url: string, origin?: string): Promise<number> {
  return await new Promise((resolve, reject) => {
    const socket = new WebSocket(url, origin == null ? {} : { origin })
    socket.once('open', () => { socket.close(); resolve(101) })
    socket.once('unexpected-response', (_req, res) => { resolve(res.statusCode ?? 0) })
    socket.once('error', err => { if (!/Unexpected server response/.test(err.message)) reject(err) })
  })
}

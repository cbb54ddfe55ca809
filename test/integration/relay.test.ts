import { spawn } from 'node:child_process'
import type { ChildProcess } from 'node:child_process'
import { execFileSync } from 'node:child_process'
import { existsSync, statSync } from 'node:fs'
import { join, resolve } from 'node:path'
import { createInterface } from 'node:readline'
import { generateKeyPair } from '@libp2p/crypto/keys'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { createParleyNode } from '../../core/net/presets.js'
import type { ParleyNode } from '../../core/net/presets.js'
import { tempDir } from '../helpers/temp.js'
import { freePort } from '../helpers/ports.js'

const ROOT = resolve(import.meta.dirname, '../..')
const PARLEY = join(ROOT, 'bin/parley')
const LOOPBACK_LISTEN = ['--listen', '/ip4/127.0.0.1/tcp/0', '--listen', '/ip4/127.0.0.1/tcp/0/ws']

interface CliProcess {
  child: ChildProcess
  lines: string[]
  stderr: () => string
  exited: Promise<number | null>
  waitForLine: (match: (line: string) => boolean, timeoutMs?: number) => Promise<string>
}

const children = new Set<ChildProcess>()

function runParley (args: string[], cwd = ROOT): CliProcess {
  const child = spawn(PARLEY, args, { cwd, stdio: ['ignore', 'pipe', 'pipe'] })
  children.add(child)
  const lines: string[] = []
  let stderr = ''
  createInterface({ input: child.stdout }).on('line', line => { lines.push(line) })
  child.stderr.setEncoding('utf8').on('data', (chunk: string) => { stderr += chunk })
  const exited = new Promise<number | null>((resolve) => {
    child.once('exit', (code) => { children.delete(child); resolve(code) })
  })
  const waitForLine = async (match: (line: string) => boolean, timeoutMs = 15_000): Promise<string> => {
    const deadline = Date.now() + timeoutMs
    for (;;) {
      const found = lines.find(match)
      if (found != null) return found
      if (child.exitCode != null || child.signalCode != null) {
        throw new Error(`parley exited (${child.exitCode ?? child.signalCode}) before the line appeared; stderr: ${stderr}`)
      }
      if (Date.now() > deadline) throw new Error(`no matching line within ${timeoutMs} ms; stdout: ${lines.join('\n')}; stderr: ${stderr}`)
      await sleep(50)
    }
  }
  return { child, lines, stderr: () => stderr, exited, waitForLine }
}

async function stopRelay (relay: CliProcess): Promise<number | null> {
  relay.child.kill('SIGTERM')
  return await relay.exited
}


async function sleep (ms: number): Promise<void> {
  await new Promise(resolve => setTimeout(resolve, ms))
}

async function pollUntil (check: () => boolean, timeoutMs: number, what: string): Promise<void> {
  const deadline = Date.now() + timeoutMs
  while (!check()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`)
    await sleep(100)
  }
}

describe('parley relay', () => {
  const data = tempDir('parley-relay')
  let client: ParleyNode | undefined

  beforeAll(() => {
    if (!existsSync(join(ROOT, 'dist/core/cli/main.js'))) {
      execFileSync('npm', ['run', 'build'], { cwd: ROOT, stdio: 'inherit', timeout: 300_000 })
    }
  }, 300_000)

  afterAll(async () => {
    await client?.stop()
    // Only the processes this file started, by their own pid.
    for (const child of children) child.kill('SIGKILL')
    data.remove()
  })

  it('holds a reservation, prints stats, serves metrics and stops cleanly on SIGTERM', async () => {
    const metricsPort = await freePort()
    const relay = runParley(['relay', '--data', join(data.path, 'serve'), ...LOOPBACK_LISTEN,
      '--stats-interval', '1', '--metrics-port', String(metricsPort)])
    const ready = await relay.waitForLine(line => line.startsWith('relay ready '))
    const peerId = ready.slice('relay ready '.length)
    const addrs = relay.lines.slice(0, relay.lines.indexOf(ready))
    expect(addrs).toHaveLength(2)
    for (const addr of addrs) expect(addr).toMatch(new RegExp(`^/ip4/127\\.0\\.0\\.1/tcp/\\d+(/ws)?/p2p/${peerId}$`))
    const relayTcpAddr = addrs.find(addr => !addr.includes('/ws/'))

    client = await createParleyNode({
      preset: 'sim',
      privateKey: await generateKeyPair('Ed25519'),
      listen: [`${relayTcpAddr}/p2p-circuit`]
    })
    const node = client
    await pollUntil(() => node.getMultiaddrs().some(addr => addr.toString().startsWith(`${relayTcpAddr}/p2p-circuit/p2p/`)),
      20_000, 'a /p2p-circuit address through the relay')

    await relay.waitForLine(line => /^stats connections=\d+ reservations=1 dht=\d+ refused=0 released=0$/.test(line))

    const metrics = await fetch(`http://127.0.0.1:${metricsPort}/metrics`)
    expect(metrics.status).toBe(200)
    const body = await metrics.text()
    expect(body).toContain('libp2p_connection_manager_connections')
    expect(body).toContain('libp2p_circuit_relay_server_reservations_total')
    expect(body).toContain('parley_relay_reservations_refused_total')
    expect((await fetch(`http://127.0.0.1:${metricsPort}/other`)).status).toBe(404)

    await client.stop()
    client = undefined
    expect(await stopRelay(relay)).toBe(0)
    expect(relay.lines.at(-1)).toBe('relay stopped')
  })

  it('keeps its PeerId across a restart on the same data dir', async () => {
    const dir = join(data.path, 'restart')
    const first = runParley(['relay', '--data', dir, ...LOOPBACK_LISTEN])
    const firstReady = await first.waitForLine(line => line.startsWith('relay ready '))
    expect(await stopRelay(first)).toBe(0)
    expect((statSync(dir).mode & 0o777).toString(8)).toBe('700')
    expect((statSync(join(dir, 'relay.key')).mode & 0o777).toString(8)).toBe('600')

    const second = runParley(['relay', '--data', dir, ...LOOPBACK_LISTEN])
    const secondReady = await second.waitForLine(line => line.startsWith('relay ready '))
    expect(secondReady).toBe(firstReady)
    expect(await stopRelay(second)).toBe(0)
    expect(second.lines).toContain('relay stopped')
  })

  it('exits 2 naming the flag when --listen is not a multiaddr', async () => {
    const run = runParley(['relay', '--listen', 'nope', '--data', 'x'], data.path)
    expect(await run.exited).toBe(2)
    expect(run.stderr()).toContain('--listen')
    expect(existsSync(join(data.path, 'x'))).toBe(false)
  })

  it('exits 2 on an unknown flag', async () => {
    const run = runParley(['relay', '--data', 'x', '--no-such-flag'], data.path)
    expect(await run.exited).toBe(2)
    expect(run.stderr()).toContain('--no-such-flag')
  })

  it('shows every limit with its default in relay --help, and what loopback mode does with them', async () => {
    const run = runParley(['relay', '--help'])
    expect(await run.exited).toBe(0)
    const help = run.lines.join('\n').replace(/\s+/g, ' ')
    expect(help).toContain('--max-reservations <n> reservations held at once (default: 256)')
    expect(help).toContain('--max-reservations-per-ip <n> reservations held at once from one address (default: 8; loopback mode: no cap)')
    expect(help).toContain('--max-reservations-per-subnet <n> reservations held at once from one subnet (default: 32; loopback mode: no cap)')
    expect(help).toMatch(/--reservation-rate <n> .* \(default: 10; loopback mode: no limit\)/)
    expect(help).toMatch(/--kept-for-new-peers <n> .* \(default: half the rate\)/)
    expect(help).toContain('released as soon as its peer\'s last connection closes')
    expect(help).toContain('the per-address and per-subnet caps and the rate limit are off unless given')
  })

  it('lists its commands in --help', async () => {
    const run = runParley(['--help'])
    expect(await run.exited).toBe(0)
    expect(run.lines.join('\n')).toMatch(/^\s+relay\b/m)
  })
})

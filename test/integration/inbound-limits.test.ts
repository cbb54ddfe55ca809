import { readFileSync, readdirSync, readlinkSync } from 'node:fs'
import { generateKeyPair } from '@libp2p/crypto/keys'
import { afterEach, describe, expect, it } from 'vitest'
import { MESSAGE_PROTOCOL } from '../../core/chat/receiver.js'
import { PREKEY_PROTOCOL } from '../../core/e2ee/prekey-protocol.js'
import { DEFAULT_INBOUND_LIMITS, hostKey } from '../../core/net/inbound-limits.js'
import { PARLEY_AGENT, createParleyNode } from '../../core/net/presets.js'
import { SimNetwork, waitFor } from '../../core/sim/harness.js'
import { MAX_INBOUND_MESSAGE_STREAMS, MAX_INBOUND_PREKEY_STREAMS } from '../../core/wire/limits.js'
import { multiaddr } from '@multiformats/multiaddr'
import type { InboundLimits } from '../../core/net/inbound-limits.js'
import type { ParleyNode, Preset } from '../../core/net/presets.js'
import type { Stream } from '@libp2p/interface'

const nodes: ParleyNode[] = []
let net: SimNetwork | undefined
afterEach(async () => {
  for (const node of nodes.splice(0)) await node.stop()
  await net?.stop()
  net = undefined
})

async function node (options: { preset?: Preset, inboundLimits?: Partial<InboundLimits> } = {}): Promise<ParleyNode> {
  const created = await createParleyNode({
    preset: options.preset ?? 'sim',
    privateKey: await generateKeyPair('Ed25519'),
    listen: ['/ip4/127.0.0.1/tcp/0'],
    inboundLimits: options.inboundLimits
  })
  nodes.push(created)
  return created
}

/** True when `dialer` opened a new connection to `target` and `target` kept it. */
async function connects (dialer: ParleyNode, target: ParleyNode, force = false): Promise<boolean> {
  const open = (): number => target.getConnections(dialer.peerId).filter(c => c.status === 'open').length
  const before = open()
  try {
    await dialer.dial(target.getMultiaddrs(), { force, signal: AbortSignal.timeout(5_000) })
  } catch {
    return false
  }
  // A connection refused after the handshake is closed by the target right after the dialer saw it open.
  await new Promise(resolve => setTimeout(resolve, 300))
  return open() > before
}

/** Resolves when the remote resets `stream` (true), or after `ms` with the stream still open (false). */
async function resetWithin (stream: Stream, ms: number): Promise<boolean> {
  if (stream.status !== 'open') return true
  return await new Promise(resolve => {
    const timer = setTimeout(() => { resolve(false) }, ms)
    stream.addEventListener('close', () => { clearTimeout(timer); resolve(true) }, { once: true })
  })
}

/** Inodes of the UDP sockets bound to `port` that this process holds. */
function ownUdpSockets (port: number): string[] {
  const wanted = `:${port.toString(16).toUpperCase().padStart(4, '0')}`
  const inodes = ['/proc/self/net/udp', '/proc/self/net/udp6'].flatMap(file => {
    let text: string
    try {
      text = readFileSync(file, 'utf8')
    } catch {
      return []
    }
    return text.split('\n').slice(1).map(line => line.trim().split(/\s+/)).filter(cols => cols[1]?.endsWith(wanted)).map(cols => cols[9])
  })
  const own = new Set(readdirSync('/proc/self/fd').flatMap(fd => {
    try {
      return [readlinkSync(`/proc/self/fd/${fd}`)]
    } catch {
      return []
    }
  }))
  return inodes.filter(inode => own.has(`socket:[${inode}]`))
}

describe('what a node tells others', () => {
  it(`identifies itself as "${PARLEY_AGENT}", naming no library or runtime version`, async () => {
    const a = await node()
    const b = await node()
    await a.dial(b.getMultiaddrs())
    const agentOf = async (from: ParleyNode, peer: ParleyNode): Promise<string | undefined> => {
      const value = (await from.peerStore.get(peer.peerId).catch(() => undefined))?.metadata.get('AgentVersion')
      return value == null ? undefined : new TextDecoder().decode(value)
    }
    await waitFor(async () => (await agentOf(a, b)) != null && (await agentOf(b, a)) != null, 10_000, 'identify')
    expect(await agentOf(a, b)).toBe(PARLEY_AGENT)
    expect(await agentOf(b, a)).toBe(PARLEY_AGENT)
  })

  it.runIf(process.platform === 'linux')('announces nothing on the LAN by default: the desktop preset opens no mDNS socket', async () => {
    expect(ownUdpSockets(5353)).toEqual([])
    await node({ preset: 'desktop' })
    // mDNS binds its socket while the node starts; give it a moment anyway.
    await new Promise(resolve => setTimeout(resolve, 500))
    expect(ownUdpSockets(5353)).toEqual([])
  })
})

describe('inbound connection limits', () => {
  it('refuse more connections from one IP address than allowed, and admit again once one closes', async () => {
    const target = await node({ inboundLimits: { maxConnectionsPerIp: 3, inboundConnectionThreshold: 100 } })
    const dialers = await Promise.all(Array.from({ length: 4 }, async () => await node()))
    for (const dialer of dialers.slice(0, 3)) expect(await connects(dialer, target)).toBe(true)
    expect(await connects(dialers[3], target)).toBe(false)
    await dialers[0].hangUp(target.peerId)
    await waitFor(() => target.getConnections(dialers[0].peerId).length === 0, 5_000, 'the hang-up')
    expect(await connects(dialers[3], target)).toBe(true)
  })

  it('refuse more connections from one peer than allowed', async () => {
    const target = await node({ inboundLimits: { maxConnectionsPerPeer: 2, inboundConnectionThreshold: 100 } })
    const dialer = await node()
    expect(await connects(dialer, target, true)).toBe(true)
    expect(await connects(dialer, target, true)).toBe(true)
    expect(await connects(dialer, target, true)).toBe(false)
    expect(target.getConnections(dialer.peerId).filter(c => c.status === 'open')).toHaveLength(2)
  })

  it('refuse more new connections a second from one host than the threshold', async () => {
    const target = await node({ inboundLimits: { inboundConnectionThreshold: 1 } })
    const dialers = await Promise.all(Array.from({ length: 4 }, async () => await node()))
    // Dialled at once, so that even a slow machine makes them within a few seconds: at most one a second gets in.
    const results = await Promise.all(dialers.map(async dialer => await connects(dialer, target)))
    expect(results.filter(Boolean).length).toBeGreaterThanOrEqual(1)
    expect(results.filter(ok => !ok).length).toBeGreaterThanOrEqual(1)
  })

  it('apply by default in the desktop preset', async () => {
    const target = await node({ preset: 'desktop' })
    const dialer = await node()
    const results = []
    for (let i = 0; i <= DEFAULT_INBOUND_LIMITS.maxConnectionsPerPeer; i++) results.push(await connects(dialer, target, true))
    expect(results.at(-1)).toBe(false)
    expect(target.getConnections(dialer.peerId).filter(c => c.status === 'open')).toHaveLength(DEFAULT_INBOUND_LIMITS.maxConnectionsPerPeer)
  })

  it('count an IPv6 address by its /64 and a relayed connection not at all', () => {
    expect(hostKey(multiaddr('/ip4/203.0.113.7/tcp/1'))).toBe('203.0.113.7')
    expect(hostKey(multiaddr('/ip6/2001:db8:1:2:3:4:5:6/tcp/1'))).toBe('2001:db8:1:2::/64')
    expect(hostKey(multiaddr('/ip6/2001:db8:1:2::9/tcp/1'))).toBe('2001:db8:1:2::/64')
    expect(hostKey(multiaddr('/ip6/2001:db8::1/tcp/1'))).toBe('2001:db8:0:0::/64')
    expect(hostKey(multiaddr('/ip4/203.0.113.7/tcp/1/p2p/12D3KooWDpJ7As7BWAwRMfu1VU2WCqNjvq387JEYKDBj4kx6nXTN/p2p-circuit'))).toBeUndefined()
  })
})

describe('inbound stream limits', () => {
  it.each([
    [MESSAGE_PROTOCOL, MAX_INBOUND_MESSAGE_STREAMS],
    [PREKEY_PROTOCOL, MAX_INBOUND_PREKEY_STREAMS]
  ])('let one connection hold at most the allowed %s streams at once', async (protocol, limit) => {
    net = await SimNetwork.create()
    const bob = await net.addUser('bob')
    const mallory = await node()
    const connection = await mallory.dial(bob.engine.node.getMultiaddrs())
    const open: Stream[] = []
    for (let i = 0; i < limit; i++) open.push(await connection.newStream(protocol, { signal: AbortSignal.timeout(5_000) }))
    const oneMore = await connection.newStream(protocol, { signal: AbortSignal.timeout(5_000) }).catch(() => undefined)
    expect(oneMore == null || await resetWithin(oneMore, 3_000)).toBe(true)
    expect(open.map(s => s.status)).toEqual(open.map(() => 'open'))
    // Closing one makes room for another.
    open[0].abort(new Error('done'))
    await new Promise(resolve => setTimeout(resolve, 300))
    const again = await connection.newStream(protocol, { signal: AbortSignal.timeout(5_000) })
    expect(await resetWithin(again, 1_000)).toBe(false)
  })
})

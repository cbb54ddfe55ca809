import { afterEach, describe, expect, it } from 'vitest'
import { LOOPBACK_RELAY_LIMITS } from '../../core/net/relay-limits.js'
import { startRelay } from '../../core/relay/relay.js'
import { waitFor } from '../../core/sim/harness.js'
import type { RelayLimits } from '../../core/net/relay-limits.js'
import type { RunningRelay } from '../../core/relay/relay.js'
import { tempDir } from '../helpers/temp.js'
import { reserve, throwawayClient } from '../helpers/throwaway.js'
import type { Libp2p } from '@libp2p/interface'
import type { Multiaddr } from '@multiformats/multiaddr'

/**
 * The relay's reservation guard, on `startRelay` (what `parley relay` runs)
 * in loopback mode with the limits each test sets. Clients are bare libp2p
 * nodes with fresh identities whose connections leave from chosen
 * 127.x.y.z addresses, so one machine can play many addresses and subnets.
 */

const cleanups: Array<() => Promise<void>> = []
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup().catch(() => {})
})

async function relayWith (limits: Partial<RelayLimits>): Promise<{ relay: RunningRelay, addr: Multiaddr }> {
  const dir = tempDir('parley-relay-guard')
  const relay = await startRelay({ dataDir: dir.path, listen: ['/ip4/127.0.0.1/tcp/0'], limits: { ...LOOPBACK_RELAY_LIMITS, ...limits } })
  cleanups.push(async () => { await relay.stop(); dir.remove() })
  return { relay, addr: relay.multiaddrs()[0] }
}

async function client (source: string): Promise<Libp2p> {
  const node = await throwawayClient(source)
  cleanups.push(async () => { await node.stop() })
  return node
}

/** A fresh identity from `source` asks `addr` for a reservation. */
async function newcomer (addr: Multiaddr, source: string): Promise<{ node: Libp2p, status: string }> {
  const node = await client(source)
  return { node, status: await reserve(node, addr) }
}

describe('relay reservation guard', () => {
  it('releases a reservation as soon as its peer disconnects', async () => {
    const { relay, addr } = await relayWith({})
    const peers = await Promise.all(['127.0.0.2', '127.0.0.3', '127.0.0.4'].map(async source => await newcomer(addr, source)))
    expect(peers.map(p => p.status)).toEqual(['OK', 'OK', 'OK'])
    expect(relay.stats().reservations).toBe(3)

    await peers[0].node.stop()
    await waitFor(() => relay.stats().reservations === 2, 5_000, 'the reservation of the peer that left to be released')
    expect(relay.node.services.relay.reservations.has(peers[0].node.peerId)).toBe(false)
    expect(relay.node.services.relay.reservations.has(peers[1].node.peerId)).toBe(true)
    expect(relay.stats().released).toBe(1)

    // A peer that comes back reserves afresh.
    expect(await reserve(peers[1].node, addr)).toBe('OK')
    expect(relay.stats().reservations).toBe(2)
  })

  it('caps the reservations held from one address, and renewals keep theirs', async () => {
    const { relay, addr } = await relayWith({ maxReservationsPerIp: 3 })
    const held = []
    for (let i = 0; i < 3; i++) held.push(await newcomer(addr, '127.0.0.2'))
    expect(held.map(p => p.status)).toEqual(['OK', 'OK', 'OK'])
    expect((await newcomer(addr, '127.0.0.2')).status).toBe('PERMISSION_DENIED')
    expect(await reserve(held[0].node, addr)).toBe('OK')
    // Another address in the same subnet is not affected.
    expect((await newcomer(addr, '127.0.0.3')).status).toBe('OK')
    expect(relay.stats()).toMatchObject({ reservations: 4, refused: 1 })

    // A place freed by a peer that left goes to the next one.
    await held[1].node.stop()
    await waitFor(() => relay.stats().reservations === 3, 5_000, 'the release')
    expect((await newcomer(addr, '127.0.0.2')).status).toBe('OK')
  })

  it('caps the reservations held from one subnet', async () => {
    const { relay, addr } = await relayWith({ maxReservationsPerSubnet: 4 })
    const statuses = []
    for (const source of ['127.0.5.1', '127.0.5.2', '127.0.5.3', '127.0.5.4', '127.0.5.5']) statuses.push((await newcomer(addr, source)).status)
    expect(statuses).toEqual(['OK', 'OK', 'OK', 'OK', 'PERMISSION_DENIED'])
    expect((await newcomer(addr, '127.0.6.1')).status).toBe('OK')
    expect(relay.stats()).toMatchObject({ reservations: 5, refused: 1 })
  })

  it('limits the requests one address makes, and keeps part of that budget for newcomers', async () => {
    // 4 a minute (one more every 15 s, far longer than this test), 2 of them kept for newcomers.
    const { relay, addr } = await relayWith({ reservationsPerMinute: 4, keptForNewPeers: 2 })
    const first = await newcomer(addr, '127.0.0.2')
    expect(first.status).toBe('OK')
    // Renewals may spend the budget down to the 2 kept for newcomers: 3 left, then 2.
    expect(await reserve(first.node, addr)).toBe('OK')
    expect(await reserve(first.node, addr)).toBe('PERMISSION_DENIED')
    // A newcomer behind the same address still gets in, twice; then the budget is spent.
    expect((await newcomer(addr, '127.0.0.2')).status).toBe('OK')
    expect((await newcomer(addr, '127.0.0.2')).status).toBe('OK')
    expect((await newcomer(addr, '127.0.0.2')).status).toBe('PERMISSION_DENIED')
    // Other addresses have budgets of their own.
    expect((await newcomer(addr, '127.0.0.3')).status).toBe('OK')
    expect(relay.stats()).toMatchObject({ reservations: 4, refused: 2 })
  })

  it('still answers RESERVATION_REFUSED when full', async () => {
    const { relay, addr } = await relayWith({ maxReservations: 2 })
    expect((await newcomer(addr, '127.0.0.2')).status).toBe('OK')
    expect((await newcomer(addr, '127.0.0.3')).status).toBe('OK')
    expect((await newcomer(addr, '127.0.0.4')).status).toBe('RESERVATION_REFUSED')
    expect(relay.stats()).toMatchObject({ reservations: 2, refused: 0 })
  })
})

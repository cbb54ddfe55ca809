import '../core/node-version.js'
import { performance } from 'node:perf_hooks'
import { peerIdFromString } from '@libp2p/peer-id'
import { SimNetwork, waitFor } from '../core/sim/harness.js'
import { echoMany, echoOnce, serveEcho } from '../core/sim/echo.js'
import { startPeerProcess } from './peer-process.js'
import type { PeerProcess } from './peer-process.js'
import { percentile, result } from './stats.js'
import type { BenchResult } from './stats.js'
import type { SimUser } from '../core/sim/harness.js'

/*
 * `npm run bench` prints each figure with its baseline from the same run;
 * `npm run bench -- --json` prints one JSON object per line.
 * Everything runs on 127.0.0.1 with real nodes, real databases and real crypto.
 */

const RTT_MESSAGES = 2_000
const THROUGHPUT_MESSAGES = 5_000
/** Sends in flight at once in the throughput run. */
const THROUGHPUT_WINDOW = 64
const COLD_NODES = 20
const COLD_TRIALS = 15

async function deliveredWithin (user: SimUser, id: string, timeoutMs: number): Promise<void> {
  await waitFor(() => user.engine.messages.get(id)?.status === 'delivered', timeoutMs, `delivery of ${id}`)
}

/**
 * Starts listening before the send, so a fast ack cannot be missed; the
 * returned function waits for the given message id to be delivered.
 */
function onDelivered (user: SimUser): (id: string) => Promise<void> {
  const seen = new Set<string>()
  let waiting: { id: string, resolve: () => void } | undefined
  const listener = (event: CustomEvent<{ id: string, status: string }>): void => {
    if (event.detail.status !== 'delivered') return
    seen.add(event.detail.id)
    if (waiting?.id === event.detail.id) waiting.resolve()
  }
  user.engine.addEventListener('messageStatus', listener)
  return async (id: string) => {
    await new Promise<void>(resolve => {
      if (seen.has(id)) resolve()
      else waiting = { id, resolve }
    })
    user.engine.removeEventListener('messageStatus', listener)
  }
}

/**
 * Alice in this process, Bob in his own, contacts of each other, with one
 * message already delivered (so the session exists and connections are warm).
 */
async function withPair<T> (run: (alice: SimUser, bob: PeerProcess) => Promise<T>): Promise<T> {
  const net = await SimNetwork.create()
  const alice = await net.addUser('alice')
  const bob = await startPeerProcess(net, 'bob', await alice.engine.invite())
  try {
    await alice.engine.addContact(bob.invite, 'bob')
    const warm = await alice.engine.send(bob.peerId, 'warm-up')
    await deliveredWithin(alice, warm.id, 10_000)
    return await run(alice, bob)
  } finally {
    await bob.stop()
    await net.stop()
  }
}

async function rtt (): Promise<BenchResult[]> {
  return await withPair(async (alice, bob) => {
    const bobId = peerIdFromString(bob.peerId)

    const baseline: number[] = []
    for (let i = 0; i < RTT_MESSAGES; i++) {
      const t0 = performance.now()
      await echoOnce(alice.engine.node, bobId)
      baseline.push(performance.now() - t0)
    }
    const parley: number[] = []
    for (let i = 0; i < RTT_MESSAGES; i++) {
      const t0 = performance.now()
      const delivered = onDelivered(alice)
      const message = await alice.engine.send(bob.peerId, `rtt ${i}`)
      await delivered(message.id)
      parley.push(performance.now() - t0)
    }
    return [
      result('rtt-p50', percentile(parley, 50), 'ms', percentile(baseline, 50), 'ratio ≤ 3'),
      result('rtt-p99', percentile(parley, 99), 'ms', percentile(baseline, 99), 'ratio ≤ 5')
    ]
  })
}

async function throughput (): Promise<BenchResult[]> {
  return await withPair(async (alice, bob) => {
    const text = 'x'.repeat(200)

    let t0 = performance.now()
    await echoMany(alice.engine.node, peerIdFromString(bob.peerId), THROUGHPUT_MESSAGES, text.length)
    const baselineRate = THROUGHPUT_MESSAGES / ((performance.now() - t0) / 1000)

    let delivered = 0
    const done = new Promise<void>(resolve => {
      alice.engine.addEventListener('messageStatus', (event) => {
        if (event.detail.status === 'delivered' && ++delivered === THROUGHPUT_MESSAGES) resolve()
      })
    })
    t0 = performance.now()
    // Sends are issued THROUGHPUT_WINDOW at a time, as a busy app would; each
    // window yields to the event loop so delivery runs alongside.
    for (let i = 0; i < THROUGHPUT_MESSAGES; i += THROUGHPUT_WINDOW) {
      const count = Math.min(THROUGHPUT_WINDOW, THROUGHPUT_MESSAGES - i)
      await Promise.all(Array.from({ length: count }, async () => await alice.engine.send(bob.peerId, text)))
      await new Promise(resolve => setImmediate(resolve))
    }
    await done
    const rate = THROUGHPUT_MESSAGES / ((performance.now() - t0) / 1000)
    return [result('throughput', rate, 'msg/s', baselineRate, '≥ 2000 msg/s')]
  })
}

async function coldFirstMessage (): Promise<BenchResult[]> {
  const net = await SimNetwork.create()
  try {
    const users: SimUser[] = []
    for (let i = 0; i < COLD_NODES; i++) {
      users.push(await net.addUser(`user${i}`, { noInviteRelays: true }))
      await serveEcho(users[i].engine.node)
    }
    // Let the DHT routing tables fill before measuring.
    await new Promise(resolve => setTimeout(resolve, 2_000))
    // Both sides forget, before the hang-up: kad-dht tags its closest peers
    // (here, everyone) keep-alive, and libp2p's reconnect queue redials such a
    // peer when the connection drops, so b would dial a straight back and the
    // trial would time a reconnection instead of a DHT lookup.
    const forget = async (a: SimUser, b: SimUser): Promise<void> => {
      const id = peerIdFromString(b.engine.peerId)
      await b.engine.node.peerStore.delete(a.engine.node.peerId)
      await a.engine.node.peerStore.delete(id)
      await a.engine.node.hangUp(id)
      await a.engine.node.peerStore.delete(id)
    }
    const baseline: number[] = []
    const parley: number[] = []
    for (let t = 0; t < COLD_TRIALS; t++) {
      const a = users[t % COLD_NODES]
      const b = users[(t * 7 + 3) % COLD_NODES]
      const c = users[(t * 11 + 5) % COLD_NODES]
      if (a === b || a === c || b === c) continue
      // Baseline: DHT lookup + dial + 1-byte echo to a peer we know nothing about.
      await forget(a, c)
      let t0 = performance.now()
      const cId = peerIdFromString(c.engine.peerId)
      await a.engine.node.peerRouting.findPeer(cId)
      await echoOnce(a.engine.node, cId)
      baseline.push(performance.now() - t0)
      // Parley: new contact from an invite with no addresses → DHT → dial → bundle → PQXDH → ack.
      const invite = await b.engine.invite()
      await forget(a, b)
      t0 = performance.now()
      await a.engine.addContact(invite, `contact${t}`)
      const delivered = onDelivered(a)
      const message = await a.engine.send(b.engine.peerId, 'first message')
      await delivered(message.id)
      parley.push(performance.now() - t0)
    }
    return [result('cold-first-message-p50', percentile(parley, 50), 'ms', percentile(baseline, 50), '< 300 ms')]
  } finally {
    await net.stop()
  }
}

const BENCHES: Record<string, () => Promise<BenchResult[]>> = { rtt, throughput, 'cold-first-message': coldFirstMessage }

async function main (): Promise<void> {
  const args = process.argv.slice(2)
  const json = args.includes('--json')
  const only = args.filter(a => !a.startsWith('--'))
  for (const name of only) if (BENCHES[name] == null) throw new Error(`unknown benchmark "${name}" (have: ${Object.keys(BENCHES).join(', ')})`)
  for (const [name, run] of Object.entries(BENCHES)) {
    if (only.length > 0 && !only.includes(name)) continue
    for (const r of await run()) {
      if (json) console.log(JSON.stringify({ name: r.name, value: r.value, unit: r.unit, baseline: r.baseline, ratio: r.ratio }))
      else console.log(`${r.name.padEnd(24)} ${String(r.value).padStart(10)} ${r.unit.padEnd(6)} baseline ${r.baseline} ${r.unit}  ratio ${r.ratio}×  (target ${r.target ?? '-'})`)
    }
  }
}

main().then(() => process.exit(0), (err: unknown) => {
  console.error(err)
  process.exit(1)
})

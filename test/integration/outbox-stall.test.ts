import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { afterEach, describe, expect, it } from 'vitest'
import { ATTEMPT_TIMEOUT_MS, STALL_TIMEOUT_MS } from '../../core/chat/outbox.js'
import { Engine } from '../../core/host/engine.js'
import { isLoopbackAddress } from '../../core/net/address-policy.js'
import { SimNetwork, simKeyWrapper, waitFor } from '../../core/sim/harness.js'
import { ParleyDatabase } from '../../core/store/database.js'
import { Child } from '../helpers/child.js'
import { collectGarbage } from '../helpers/gc.js'
import type { SimUser } from '../../core/sim/harness.js'

// The compiled module: `npm test` builds first.
const ENGINE_PROCESS = fileURLToPath(new URL('../../dist/core/sim/engine-process.js', import.meta.url))
const RESTARTS = 10
/** From the restarted contact's `ready` line to an empty outbox. */
const DRAIN_LIMIT_MS = 5_000
/** Alice queues one message this often while streaming (about 40 a second). */
const SEND_EVERY_MS = 25

let net: SimNetwork | undefined
const children: Child[] = []
afterEach(async () => {
  for (const child of children.splice(0)) await child.kill('SIGKILL')
  await net?.stop()
  net = undefined
})

function queued (user: SimUser, peerId: string): number {
  return (user.engine.db.sql.prepare('SELECT count(*) AS n FROM outbox WHERE peer_id = ?').get(peerId) as { n: number }).n
}

const pause = async (ms: number): Promise<void> => { await new Promise(resolve => setTimeout(resolve, ms)) }

describe('the outbox with the desktop preset', () => {
  it(`drains within ${DRAIN_LIMIT_MS / 1000} s each time the contact restarts mid-stream (${RESTARTS} restarts, SIGTERM and SIGKILL)`, async () => {
    net = await SimNetwork.create()
    // Both sides run the desktop preset as users do, kept on this machine (no mDNS, WebRTC on 127.0.0.1).
    const alice = await net.addUser('alice', { desktop: true })
    const bobDir = join(net.root, 'bob')
    await Engine.init(bobDir, simKeyWrapper(), 'bob')
    const aliceInvite = await alice.engine.invite()
    const startBob = (): Child => {
      const child = new Child(process.execPath, [ENGINE_PROCESS, '--data', bobDir, '--relay', net?.relayAddr ?? '', '--contact', aliceInvite, '--preset', 'desktop'])
      children.push(child)
      return child
    }
    let bob = startBob()
    const bobInvite = (await bob.line('invite ')).slice('invite '.length)
    const bobId = (await bob.line('ready ')).slice('ready '.length)
    await alice.engine.addContact(bobInvite, 'bob')

    const sent: string[] = []
    const drains: number[] = []
    const backlogs: number[] = []
    for (let round = 0; round < RESTARTS; round++) {
      // Stream to Bob; restart him once he has acked some of this round's messages.
      let streaming = true
      const sender = (async () => {
        while (streaming) {
          sent.push((await alice.engine.send(bobId, `round ${round} message ${sent.length}`)).id)
          await pause(SEND_EVERY_MS)
        }
      })()
      let readyAt: number
      try {
        const before = sent.length
        await waitFor(() => sent.slice(before).filter(id => alice.engine.messages.get(id)?.status === 'delivered').length >= 20, 30_000, `Bob acking in round ${round}`)
        await bob.kill(round % 2 === 0 ? 'SIGTERM' : 'SIGKILL')
        children.splice(children.indexOf(bob), 1)
        bob = startBob()
        await bob.line('ready ', 60_000)
        readyAt = performance.now()
      } finally {
        streaming = false
        await sender
      }
      backlogs.push(queued(alice, bobId))
      // Wait past the limit, so that a failure reports the real figure.
      await waitFor(() => queued(alice, bobId) === 0, 90_000, `the outbox to drain after restart ${round + 1}`)
      drains.push(Math.round(performance.now() - readyAt))
      if (drains[round] >= DRAIN_LIMIT_MS) break
    }
    console.log(`queued when Bob was back: ${backlogs.join(', ')}; drained after (ms): ${drains.join(', ')}`)
    expect(drains.filter(ms => ms >= DRAIN_LIMIT_MS)).toEqual([])
    expect(drains).toHaveLength(RESTARTS)

    // Nothing left the machine, and every message arrived once.
    expect(alice.engine.node.getConnections().map(c => c.remoteAddr).filter(a => !isLoopbackAddress(a))).toEqual([])
    await bob.kill('SIGTERM')
    const db = await ParleyDatabase.open(bobDir, simKeyWrapper())
    try {
      const ids = (db.sql.prepare('SELECT id FROM messages WHERE sender = ?').all(alice.engine.peerId) as Array<{ id: string }>).map(r => r.id)
      expect(ids).toHaveLength(sent.length)
      expect(new Set(ids)).toEqual(new Set(sent))
    } finally {
      await db.close()
    }
  }, 300_000)

  it('ends an attempt stuck looking for the peer at its deadline, even when garbage is collected meanwhile', async () => {
    net = await SimNetwork.create()
    const alice = await net.addUser('alice', { desktop: true })
    const bob = await net.addUser('bob', { desktop: true })
    await alice.engine.addContact(await bob.engine.invite(), 'bob')
    const bobId = bob.engine.peerId
    const hello = await alice.engine.send(bobId, 'hello')
    await waitFor(() => alice.engine.messages.get(hello.id)?.status === 'delivered', 30_000, 'the first delivery')
    await net.stopUser('bob')

    // Bob is gone: his old addresses are refused, the relay holds no
    // reservation for him, and the DHT lookup that comes last waits for
    // routing peers that never come (the desktop preset keeps no loopback
    // addresses) until the attempt's deadline.
    const started = performance.now()
    const message = await alice.engine.send(bobId, 'anyone there?')
    const lastError = (): string | null => (alice.engine.db.sql.prepare('SELECT last_error FROM outbox WHERE message_id = ?').get(message.id) as { last_error: string | null }).last_error
    const collector = setInterval(collectGarbage, 500)
    try {
      await waitFor(() => lastError() != null, STALL_TIMEOUT_MS + 30_000, 'the attempt to end')
    } finally {
      clearInterval(collector)
    }
    const elapsed = performance.now() - started
    // Ended by its own deadline, not by the watchdog behind it.
    expect(lastError()).toMatch(new RegExp(`took longer than ${ATTEMPT_TIMEOUT_MS} ms`))
    expect(elapsed).toBeGreaterThanOrEqual(ATTEMPT_TIMEOUT_MS - 100)
    expect(elapsed).toBeLessThan(STALL_TIMEOUT_MS)
  }, 120_000)
})

import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { afterEach, describe, expect, it } from 'vitest'
import { Engine } from '../../core/host/engine.js'
import { SimNetwork, simKeyWrapper, waitFor } from '../../core/sim/harness.js'
import { ParleyDatabase } from '../../core/store/database.js'
import { Child } from '../helpers/child.js'

// The compiled module: `npm test` builds first.
const ENGINE_PROCESS = fileURLToPath(new URL('../../dist/core/sim/engine-process.js', import.meta.url))
const BURST = 500

let net: SimNetwork | undefined
const children: Child[] = []
afterEach(async () => {
  for (const child of children.splice(0)) await child.kill('SIGKILL')
  await net?.stop()
  net = undefined
})

function startReceiver (dataDir: string, relayAddr: string, invite: string): Child {
  const child = new Child(process.execPath, [ENGINE_PROCESS, '--data', dataDir, '--relay', relayAddr, '--contact', invite])
  children.push(child)
  return child
}

describe('crash safety', () => {
  it(`loses and duplicates nothing when the receiver is killed -9 during a ${BURST}-message burst`, async () => {
    net = await SimNetwork.create()
    const alice = await net.addUser('alice')
    const bobDir = join(net.root, 'bob')
    await Engine.init(bobDir, simKeyWrapper(), 'bob')
    const aliceInvite = await alice.engine.invite()
    let bob = startReceiver(bobDir, net.relayAddr, aliceInvite)
    const bobInvite = (await bob.line('invite ')).slice('invite '.length)
    const bobId = (await bob.line('ready ')).slice('ready '.length)
    await alice.engine.addContact(bobInvite, 'bob')

    const sent: string[] = []
    for (let i = 0; i < BURST; i++) sent.push((await alice.engine.send(bobId, `burst ${i}`)).id)
    const deliveredCount = (): number => sent.filter(id => alice.engine.messages.get(id)?.status === 'delivered').length
    // Kill Bob mid-burst: some messages acked, most not.
    await waitFor(() => deliveredCount() >= 50, 30_000, 'the first acks')
    bob.process.kill('SIGKILL')
    const killed = await bob.exited
    expect(killed.signal).toBe('SIGKILL')
    const deliveredAtKill = deliveredCount()
    expect(deliveredAtKill).toBeLessThan(BURST)

    bob = startReceiver(bobDir, net.relayAddr, aliceInvite)
    await bob.line('ready ')
    await waitFor(() => deliveredCount() === BURST, 60_000, 'every message to be acked')
    await bob.kill('SIGTERM')
    expect((await bob.exited).code).toBe(0)

    const db = await ParleyDatabase.open(bobDir, simKeyWrapper())
    try {
      const rows = db.sql.prepare('SELECT id, body_text FROM messages WHERE sender = ?').all(alice.engine.peerId) as Array<{ id: string, body_text: string }>
      const texts = rows.map(r => r.body_text)
      expect(rows).toHaveLength(BURST)
      expect(new Set(rows.map(r => r.id)).size).toBe(BURST)
      expect(new Set(texts)).toEqual(new Set(Array.from({ length: BURST }, (_, i) => `burst ${i}`)))
      expect(new Set(rows.map(r => r.id))).toEqual(new Set(sent))
    } finally {
      await db.close()
    }
  })
})

import { statfsSync } from 'node:fs'
import { tmpdir } from 'node:os'
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
/** statfs's f_type for tmpfs: a RAM disk, where fsync proves nothing. */
const TMPFS_MAGIC = 0x01021994

let net: SimNetwork | undefined
const children: Child[] = []
afterEach(async () => {
  for (const child of children.splice(0)) await child.kill('SIGKILL')
  await net?.stop()
  net = undefined
})

function startReceiver (dataDir: string, relayAddr: string, invite: string, env: NodeJS.ProcessEnv = {}): Child {
  const child = new Child(process.execPath, [ENGINE_PROCESS, '--data', dataDir, '--relay', relayAddr, '--contact', invite], { ...process.env, ...env })
  children.push(child)
  return child
}

/** A network whose data dirs are on a real disk: durability is about fsync, which a RAM disk does not do. */
async function onDisk (): Promise<SimNetwork> {
  const network = await SimNetwork.create(tmpdir())
  expect(statfsSync(network.root).type).not.toBe(TMPFS_MAGIC)
  return network
}

async function storedFrom (dataDir: string, sender: string): Promise<Array<{ id: string, body_text: string }>> {
  const db = await ParleyDatabase.open(dataDir, simKeyWrapper())
  try {
    return db.sql.prepare('SELECT id, body_text FROM messages WHERE sender = ?').all(sender) as Array<{ id: string, body_text: string }>
  } finally {
    await db.close()
  }
}

describe('crash safety', () => {
  it(`loses and duplicates nothing when the receiver is killed -9 during a ${BURST}-message burst`, async () => {
    net = await onDisk()
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

    const rows = await storedFrom(bobDir, alice.engine.peerId)
    expect(rows).toHaveLength(BURST)
    expect(new Set(rows.map(r => r.id)).size).toBe(BURST)
    expect(new Set(rows.map(r => r.body_text))).toEqual(new Set(Array.from({ length: BURST }, (_, i) => `burst ${i}`)))
    expect(new Set(rows.map(r => r.id))).toEqual(new Set(sent))
  })

  it('shows a message once when the receiver dies after committing it and before acking it', async () => {
    net = await onDisk()
    const alice = await net.addUser('alice')
    const bobDir = join(net.root, 'bob')
    await Engine.init(bobDir, simKeyWrapper(), 'bob')
    const aliceInvite = await alice.engine.invite()
    // This receiver kills itself right after its first commit of a received message.
    let bob = startReceiver(bobDir, net.relayAddr, aliceInvite, { PARLEY_FAULT_POINT: 'receiver:committed' })
    const bobInvite = (await bob.line('invite ')).slice('invite '.length)
    const bobId = (await bob.line('ready ')).slice('ready '.length)
    await alice.engine.addContact(bobInvite, 'bob')

    const message = await alice.engine.send(bobId, 'committed, never acked')
    const killed = await bob.exited
    expect(killed.signal).toBe('SIGKILL')
    expect(alice.engine.messages.get(message.id)?.status).not.toBe('delivered')
    // The row is durable although the sender never heard so.
    expect((await storedFrom(bobDir, alice.engine.peerId)).map(r => r.id)).toEqual([message.id])

    bob = startReceiver(bobDir, net.relayAddr, aliceInvite)
    await bob.line('ready ')
    await waitFor(() => alice.engine.messages.get(message.id)?.status === 'delivered', 60_000, 'the resent message to be acked')
    await bob.kill('SIGTERM')
    const rows = await storedFrom(bobDir, alice.engine.peerId)
    expect(rows).toEqual([{ id: message.id, body_text: 'committed, never acked' }])
  })
})

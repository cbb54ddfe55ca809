import { cpSync, rmSync } from 'node:fs'
import { logger } from '@libp2p/logger'
import { afterEach, describe, expect, it } from 'vitest'
import { MESSAGE_PROTOCOL } from '../../core/chat/receiver.js'
import { MAX_SESSION_RESETS, UNDECRYPTABLE_ERROR } from '../../core/chat/session-recovery.js'
import { PREKEY_PROTOCOL, PrekeyService } from '../../core/e2ee/prekey-protocol.js'
import { createSignalStores } from '../../core/e2ee/signal-stores.js'
import { identityFromRow } from '../../core/identity/identity.js'
import { createParleyNode } from '../../core/net/presets.js'
import { SimNetwork, introduce, waitFor } from '../../core/sim/harness.js'
import { ParleyDatabase } from '../../core/store/database.js'
import { IdentityRepository } from '../../core/store/identity-repo.js'
import { readFrames, sendFrame } from '../../core/wire/frames.js'
import { Ack, Envelope } from '../../core/wire/parley.js'
import { delivered, texts } from '../helpers/chat.js'
import type { ParleyNode } from '../../core/net/presets.js'
import type { SimUser } from '../../core/sim/harness.js'
import type { StoredMessage } from '../../core/store/messages-repo.js'

let net: SimNetwork | undefined
const cleanups: Array<() => Promise<void>> = []
afterEach(async () => {
  for (const cleanup of cleanups.splice(0)) await cleanup()
  await net?.stop()
  net = undefined
})

/** Alice and Bob, introduced, with a session both ways (one message each). */
async function talking (network: SimNetwork): Promise<{ alice: SimUser, bob: SimUser }> {
  const alice = await network.addUser('alice')
  const bob = await network.addUser('bob')
  await introduce(alice, bob)
  await delivered(alice, await alice.engine.send(bob.engine.peerId, 'hello bob'))
  await delivered(bob, await bob.engine.send(alice.engine.peerId, 'hello alice'))
  return { alice, bob }
}

/** Every `message` event `user` announces from now on, as text. */
function announced (user: SimUser): string[] {
  const seen: string[] = []
  user.engine.addEventListener('message', event => { if (!event.detail.outgoing) seen.push(event.detail.text) })
  return seen
}

/** Waits until `user`'s own `message` leaves the outbox, and requires that the recipient took it. */
async function accepted (user: SimUser, message: StoredMessage): Promise<void> {
  await waitFor(() => user.engine.messages.get(message.id)?.status !== 'queued', 20_000, `an answer to "${message.text}"`)
  const stored = user.engine.messages.get(message.id)
  expect({ status: stored?.status, error: stored?.error }).toEqual({ status: 'delivered', error: undefined })
}

/** `sender`'s messages as `user` stores them: "chain/seq text", oldest first. */
function chains (user: SimUser, sender: SimUser): string[] {
  const rows = user.engine.db.sql.prepare('SELECT chain, seq, body_text FROM messages WHERE sender = ? ORDER BY rowid').all(sender.engine.peerId) as
    Array<{ chain: number, seq: number, body_text: string }>
  return rows.map(row => `${row.chain}/${row.seq} ${row.body_text}`)
}

function sessionRows (user: SimUser): number {
  return (user.engine.db.sql.prepare('SELECT count(*) AS n FROM signal_sessions').get() as { n: number }).n
}

/**
 * Backs Alice's data dir up, has two round trips with Bob that the backup
 * does not know, then puts the backup back and restarts her. The backup still
 * holds the ratchet key Alice sends the first on; Bob's last reply is made
 * with the one after it, which only the lost state had.
 */
async function restoreBackupTwoRoundTripsOld (net: SimNetwork, alice: SimUser, bob: SimUser): Promise<SimUser> {
  await net.stopUser('alice')
  const backup = `${alice.dataDir}.backup`
  cpSync(alice.dataDir, backup, { recursive: true })
  let restarted = await net.startUser('alice')
  for (const round of [1, 2]) {
    await delivered(restarted, await restarted.engine.send(bob.engine.peerId, `after the backup ${round}`))
    await delivered(bob, await bob.engine.send(restarted.engine.peerId, `got it ${round}`))
  }
  await net.stopUser('alice')
  rmSync(restarted.dataDir, { recursive: true, force: true })
  cpSync(backup, restarted.dataDir, { recursive: true })
  restarted = await net.startUser('alice')
  return restarted
}

describe('a lost session recovers', () => {
  it('when the recipient removed and re-added the sender: the sender starts afresh and the message arrives once', async () => {
    net = await SimNetwork.create()
    const { alice, bob } = await talking(net)
    // Alice forgets Bob (and her session with him), then adds him again from his invite.
    await alice.engine.removeContact(bob.engine.peerId)
    await alice.engine.addContact(await bob.engine.invite(), 'bob')
    expect(sessionRows(alice)).toBe(0)
    const seen = announced(alice)

    // Bob still has his session: his message is one Alice cannot open, until he starts a new one.
    const message = await bob.engine.send(alice.engine.peerId, 'do you still have me?')
    await delivered(bob, message)
    expect(texts(alice, bob)).toEqual(['do you still have me?'])
    expect(seen).toEqual(['do you still have me?'])
    // The new session carries on.
    await delivered(bob, await bob.engine.send(alice.engine.peerId, 'still here'))
    expect(texts(alice, bob)).toEqual(['do you still have me?', 'still here'])
    expect(seen).toEqual(['do you still have me?', 'still here'])
  })

  it('when the other side lost it: the recipient reset its sessions, the sender recovers', async () => {
    net = await SimNetwork.create()
    const sides = await talking(net)
    const alice = sides.alice
    // Bob's libsignal sessions are gone (a reset), everything else is kept.
    await net.stopUser('bob')
    const db = await ParleyDatabase.open(sides.bob.dataDir, net.wrapper())
    await db.write(() => { db.sql.exec('DELETE FROM signal_sessions') })
    await db.close()
    const bob = await net.startUser('bob')
    const seen = announced(bob)

    const burst = []
    for (const text of ['one', 'two', 'three']) burst.push(await alice.engine.send(bob.engine.peerId, text))
    for (const message of burst) await delivered(alice, message)
    expect(texts(bob, alice)).toEqual(['hello bob', 'hello alice', 'one', 'two', 'three'])
    expect(seen).toEqual(['one', 'two', 'three'])
    await delivered(bob, await bob.engine.send(alice.engine.peerId, 'all three arrived'))
    expect(texts(alice, bob).at(-1)).toBe('all three arrived')
  })

  it('when the recipient restored a backup two round trips old', async () => {
    net = await SimNetwork.create()
    let { alice, bob } = await talking(net)
    alice = await restoreBackupTwoRoundTripsOld(net, alice, bob)
    const seen = announced(alice)

    const message = await bob.engine.send(alice.engine.peerId, 'are you back?')
    await delivered(bob, message)
    expect(seen).toEqual(['are you back?'])
    expect(texts(alice, bob)).toEqual(['hello bob', 'hello alice', 'are you back?'])
    bob = net.user('bob')
    expect(bob.engine.messages.get(message.id)?.error).toBeUndefined()
  })

  it('after a remove and re-add, the side that re-added can send again: its restarted chain is kept beside the old one', async () => {
    net = await SimNetwork.create()
    const { alice, bob } = await talking(net)
    await alice.engine.removeContact(bob.engine.peerId)
    await alice.engine.addContact(await bob.engine.invite(), 'bob')
    const bobSaw = announced(bob)
    const aliceSaw = announced(alice)

    // Alice's numbers start at 1 again, on the genesis hash: a new chain for Bob, not a reused number.
    await accepted(alice, await alice.engine.send(bob.engine.peerId, 'i am back'))
    await accepted(alice, await alice.engine.send(bob.engine.peerId, 'on a new chain'))
    expect(bobSaw).toEqual(['i am back', 'on a new chain'])
    expect(texts(bob, alice)).toEqual(['hello bob', 'hello alice', 'i am back', 'on a new chain'])
    expect(chains(bob, alice)).toEqual(['0/1 hello bob', '1/1 i am back', '1/2 on a new chain'])

    // And the other way.
    await accepted(bob, await bob.engine.send(alice.engine.peerId, 'welcome back'))
    expect(aliceSaw).toEqual(['welcome back'])
    expect(texts(alice, bob)).toEqual(['i am back', 'on a new chain', 'welcome back'])
    await accepted(alice, await alice.engine.send(bob.engine.peerId, 'thanks'))
    expect(bobSaw).toEqual(['i am back', 'on a new chain', 'thanks'])
    expect(chains(bob, alice).at(-1)).toBe('1/3 thanks')
  })

  it('after a restored backup, the side that restored can send again: its fork is kept beside the branch it lost', async () => {
    net = await SimNetwork.create()
    let { alice, bob } = await talking(net)
    alice = await restoreBackupTwoRoundTripsOld(net, alice, bob)
    bob = net.user('bob')
    const bobSaw = announced(bob)
    const aliceSaw = announced(alice)

    // Alice carries on from "hello bob", numbering 2 and 3 again: Bob holds both branches.
    await accepted(alice, await alice.engine.send(bob.engine.peerId, 'restored'))
    await accepted(alice, await alice.engine.send(bob.engine.peerId, 'from a backup'))
    expect(bobSaw).toEqual(['restored', 'from a backup'])
    expect(texts(bob, alice)).toEqual(['hello bob', 'hello alice', 'after the backup 1', 'got it 1', 'after the backup 2', 'got it 2',
      'restored', 'from a backup'])
    expect(chains(bob, alice)).toEqual(['0/1 hello bob', '0/2 after the backup 1', '0/3 after the backup 2', '1/2 restored', '1/3 from a backup'])

    // And the other way.
    await accepted(bob, await bob.engine.send(alice.engine.peerId, 'seen both'))
    expect(aliceSaw).toEqual(['seen both'])
    expect(texts(alice, bob)).toEqual(['hello bob', 'hello alice', 'restored', 'from a backup', 'seen both'])
    await accepted(alice, await alice.engine.send(bob.engine.peerId, 'good'))
    expect(bobSaw).toEqual(['restored', 'from a backup', 'good'])
    expect(chains(bob, alice).at(-1)).toBe('1/4 good')
  })

  it(`fails a message the recipient cannot decrypt after ${MAX_SESSION_RESETS} fresh sessions`, async () => {
    net = await SimNetwork.create()
    const alice = await net.addUser('alice')
    const bob = await net.addUser('bob')
    await introduce(alice, bob)
    // Bob's device, taken over: it serves his real prekey bundles but answers every envelope NO_SESSION.
    const received = new Map<string, number>()
    const impostor = await bobsKeysWithoutSessions(net, bob, id => { received.set(id, (received.get(id) ?? 0) + 1) })
    const message = await alice.engine.send(bob.engine.peerId, 'can you read this?')
    await impostor.dial(alice.engine.node.getMultiaddrs())

    await waitFor(() => alice.engine.messages.get(message.id)?.status === 'failed', 20_000, 'the message to fail')
    expect(alice.engine.messages.get(message.id)?.error).toBe(UNDECRYPTABLE_ERROR)
    // The first session, then each fresh one: one envelope apiece, and nothing stays queued.
    expect(received.get(message.id)).toBe(MAX_SESSION_RESETS + 1)
    expect(alice.engine.messages.peersWithPending()).toEqual([])
  })
})

/**
 * Stops Bob and runs a node with his libp2p key that serves his prekey
 * bundles from his database, but has lost every session: it answers each
 * envelope NO_SESSION and reports its id.
 */
async function bobsKeysWithoutSessions (network: SimNetwork, bob: SimUser, onEnvelope: (id: string) => void): Promise<ParleyNode> {
  await network.stopUser(bob.name)
  const db = await ParleyDatabase.open(bob.dataDir, network.wrapper())
  const row = new IdentityRepository(db).get()
  if (row == null) throw new Error('bob has no identity')
  const identity = identityFromRow(row)
  const node = await createParleyNode({ preset: 'sim', privateKey: identity.peerKey, listen: ['/ip4/127.0.0.1/tcp/0'] })
  cleanups.push(async () => {
    await node.stop()
    await db.close()
  })
  const prekeys = new PrekeyService({ db, identity, stores: createSignalStores(db, identity), log: logger('test:impostor') })
  await node.handle(PREKEY_PROTOCOL, async (stream, connection) => { await prekeys.handle(stream, connection) })
  await node.handle(MESSAGE_PROTOCOL, async (stream) => {
    try {
      for await (const frame of readFrames(stream)) {
        const envelope = Envelope.decode(frame)
        onEnvelope(Buffer.from(envelope.id).toString('hex'))
        await sendFrame(stream, Ack.encode({ id: envelope.id, status: Ack.Status.NO_SESSION, reason: 'no session' }))
      }
      await stream.close()
    } catch (err) {
      stream.abort(err instanceof Error ? err : new Error(String(err)))
    }
  })
  return node
}

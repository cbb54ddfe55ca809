import { randomBytes } from 'node:crypto'
import { generateKeyPair } from '@libp2p/crypto/keys'
import { peerIdFromString } from '@libp2p/peer-id'
import * as lp from 'it-length-prefixed'
import { afterEach, describe, expect, it } from 'vitest'
import { createIdentity, identityFromRow } from '../../core/identity/identity.js'
import { GENESIS_HASH, conversationIdFor } from '../../core/chat/content.js'
import { MESSAGE_PROTOCOL } from '../../core/chat/receiver.js'
import { MAX_MESSAGES_PER_REQUEST, MAX_PENDING_REQUESTS } from '../../core/chat/request-caps.js'
import { MAX_BUNDLES_PER_PEER_PER_MINUTE, fetchBundle } from '../../core/e2ee/prekey-protocol.js'
import { bundleFromWire } from '../../core/e2ee/prekeys.js'
import { Sessions } from '../../core/e2ee/session.js'
import { createSignalStores } from '../../core/e2ee/signal-stores.js'
import { createParleyNode } from '../../core/net/presets.js'
import { SimNetwork, introduce, waitFor } from '../../core/sim/harness.js'
import { IdentityRepository } from '../../core/store/identity-repo.js'
import { ParleyDatabase } from '../../core/store/database.js'
import { readFrames, sendFrame } from '../../core/wire/frames.js'
import { FRAME_READ_TIMEOUT_MS, IDLE_STREAM_TIMEOUT_MS, MAX_FRAME_BYTES } from '../../core/wire/limits.js'
import { Ack, Content, Envelope } from '../../core/wire/parley.js'
import { tempDatabase } from '../helpers/temp.js'
import type { DeviceIdentity } from '../../core/identity/identity.js'
import type { ParleyNode } from '../../core/net/presets.js'
import type { SimUser } from '../../core/sim/harness.js'
import type { PreKeyBundle } from '../../core/wire/parley.js'
import type { PeerId, PrivateKey, Stream } from '@libp2p/interface'

let net: SimNetwork | undefined
const nodes: ParleyNode[] = []
const cleanups: Array<() => Promise<void>> = []
afterEach(async () => {
  for (const node of nodes.splice(0)) await node.stop()
  for (const cleanup of cleanups.splice(0)) await cleanup()
  await net?.stop()
  net = undefined
})

async function rawNode (privateKey?: PrivateKey): Promise<ParleyNode> {
  const node = await createParleyNode({ preset: 'sim', privateKey: privateKey ?? await generateKeyPair('Ed25519'), listen: ['/ip4/127.0.0.1/tcp/0'] })
  nodes.push(node)
  return node
}

async function openMessageStream (from: ParleyNode, to: SimUser): Promise<Stream> {
  return await from.dialProtocol(to.engine.node.getMultiaddrs(), MESSAGE_PROTOCOL)
}

/**
 * Reads acks until `expected` arrived (then closes our side, as a sender does)
 * or the remote resets the stream. Fails the test after 10 s.
 */
async function replies (stream: Stream, expected: number): Promise<{ acks: Ack[], error?: string }> {
  const acks: Ack[] = []
  const signal = AbortSignal.timeout(10_000)
  signal.addEventListener('abort', () => { stream.abort(new Error('test timeout: no reply')) })
  try {
    for await (const frame of readFrames(stream)) {
      acks.push(Ack.decode(frame))
      if (acks.length === expected) {
        await stream.close()
        break
      }
    }
    return { acks }
  } catch (err) {
    if (signal.aborted) throw new Error('the receiver neither answered nor reset the stream')
    return { acks, error: String(err) }
  }
}

function messageCount (user: SimUser): number {
  return (user.engine.db.sql.prepare('SELECT count(*) AS n FROM messages').get() as { n: number }).n
}

/** Alice and Bob, introduced, with a Signal session started by one delivered message. */
async function withSession (network: SimNetwork): Promise<{ alice: SimUser, bob: SimUser }> {
  const alice = await network.addUser('alice')
  const bob = await network.addUser('bob')
  await introduce(alice, bob)
  const hello = await alice.engine.send(bob.engine.peerId, 'session start')
  await waitFor(() => alice.engine.messages.get(hello.id)?.status === 'delivered', 10_000, 'first delivery')
  return { alice, bob }
}

/** A real envelope from Alice to Bob: with Bob down, her message waits in her outbox as ciphertext. */
async function queuedEnvelope (network: SimNetwork, alice: SimUser, bob: SimUser, text: string): Promise<{ id: string, type: number, ciphertext: Uint8Array<ArrayBuffer> }> {
  await network.stopUser(bob.name)
  const message = await alice.engine.send(bob.engine.peerId, text)
  const row = alice.engine.db.sql.prepare('SELECT ciphertext, ciphertext_type FROM outbox WHERE message_id = ?').get(message.id) as { ciphertext: Uint8Array | null, ciphertext_type: number }
  if (row.ciphertext == null) throw new Error('the queued message was not encrypted')
  return { id: message.id, type: row.ciphertext_type, ciphertext: new Uint8Array(row.ciphertext) }
}

/** Stops `user` and reads its libp2p key from its data dir (what an attacker holding the device would have). */
async function stolenKey (network: SimNetwork, user: SimUser): Promise<PrivateKey> {
  await network.stopUser(user.name)
  const db = await ParleyDatabase.open(user.dataDir, network.wrapper())
  try {
    return identityFromRow(new IdentityRepository(db).get() ?? expect.fail('no identity')).peerKey
  } finally {
    await db.close()
  }
}

function rowCount (user: SimUser, table: string): number {
  return (user.engine.db.sql.prepare(`SELECT count(*) AS n FROM ${table}`).get() as { n: number }).n
}

/** Bob's bundle, fetched once, without its one-time prekey: what lets any number of PeerIds start sessions from it. */
async function sharedBundle (bob: SimUser): Promise<PreKeyBundle> {
  const fetcher = await rawNode()
  const bundle = await fetchBundle(await fetcher.dial(bob.engine.node.getMultiaddrs()))
  return { ...bundle, prekeyId: undefined, prekey: undefined }
}

interface Stranger {
  identity: DeviceIdentity
  node: ParleyNode
  /** A real envelope for Bob; `content` overrides fields of the Content inside. */
  envelope: (seq: number, text: string, content?: Partial<Content>) => Promise<Uint8Array>
  /** Sends the envelopes on one stream and returns the acks (or the error if Bob reset the stream). */
  send: (frames: Uint8Array[]) => Promise<{ acks: Ack[], error?: string }>
}

/**
 * A fresh PeerId with its own libsignal identity and a session with Bob
 * started from `bundle`: a stranger writing first, as anyone can.
 */
async function stranger (bob: SimUser, bundle: PreKeyBundle): Promise<Stranger> {
  const identity = await createIdentity('stranger')
  const { db, cleanup } = tempDatabase()
  cleanups.push(cleanup)
  const sessions = new Sessions(identity, createSignalStores(db, identity))
  const bobId: PeerId = bob.engine.identity.peerId
  await db.write(async () => { await sessions.start(bobId.toString(), await bundleFromWire(bundle, bobId.publicKey?.raw ?? expect.fail('no key'))) })
  const node = await rawNode(identity.peerKey)
  const envelope = async (seq: number, text: string, content: Partial<Content> = {}): Promise<Uint8Array> => {
    const id = randomBytes(16)
    const plaintext = Content.encode({
      messageId: id, conversationId: conversationIdFor(identity.peerId, bobId), seq: BigInt(seq), prevHash: GENESIS_HASH,
      timestamp: BigInt(Date.now()), text: { text }, ...content
    })
    const ciphertext = await db.write(async () => await sessions.encrypt(bobId.toString(), plaintext))
    return Envelope.encode({ id, type: ciphertext.type, ciphertext: ciphertext.body })
  }
  const send = async (frames: Uint8Array[]): Promise<{ acks: Ack[], error?: string }> => {
    const stream = await openMessageStream(node, bob)
    for (const frame of frames) await sendFrame(stream, frame)
    return await replies(stream, frames.length)
  }
  return { identity, node, envelope, send }
}

describe('a hostile peer', () => {
  it('cannot store anything with bad frames, and the node keeps serving others', async () => {
    net = await SimNetwork.create()
    const alice = await net.addUser('alice')
    const bob = await net.addUser('bob')
    await introduce(alice, bob)
    const first = await alice.engine.send(bob.engine.peerId, 'legit before')
    await waitFor(() => alice.engine.messages.get(first.id)?.status === 'delivered', 10_000, 'first delivery')
    const stored = messageCount(bob)
    const mallory = await rawNode()

    // 1. A well-formed envelope one byte over the 64 KiB frame limit: without
    // the limit it would be decoded and answered with an ack; with it, the
    // stream is reset at the length prefix. A second stream sends only a
    // prefix, which must be enough for the reset: the body is never awaited.
    const big = Envelope.encode({ id: randomBytes(16), type: 2, ciphertext: new Uint8Array(MAX_FRAME_BYTES) })
    const oversizeEnvelope = Envelope.encode({ id: randomBytes(16), type: 2, ciphertext: new Uint8Array(MAX_FRAME_BYTES - (big.byteLength - MAX_FRAME_BYTES) + 1) })
    expect(oversizeEnvelope.byteLength).toBe(MAX_FRAME_BYTES + 1)
    const oversize = await openMessageStream(mallory, bob)
    oversize.send(lp.encode.single(oversizeEnvelope))
    const r1 = await replies(oversize, 1)
    expect(r1.acks).toEqual([])
    expect(r1.error ?? oversize.status).toMatch(/reset|abort|closed/i)
    const prefixOnly = await openMessageStream(mallory, bob)
    prefixOnly.send(lp.encode.single(oversizeEnvelope).subarray(0, 3))
    const r1b = await replies(prefixOnly, 1)
    expect(r1b.acks).toEqual([])
    expect(r1b.error ?? prefixOnly.status).toMatch(/reset|abort|closed/i)

    // 2. Garbage that is not an Envelope.
    const garbage = await openMessageStream(mallory, bob)
    await sendFrame(garbage, new Uint8Array([0xff, 0xff, 0xff, 0xff, 0x0f, 0x01]))
    const r2 = await replies(garbage, 0)
    expect(r2.acks).toEqual([])

    // 3. A well-formed envelope whose ciphertext is noise: rejected by ack.
    const noise = await openMessageStream(mallory, bob)
    const noiseId = randomBytes(16)
    await sendFrame(noise, Envelope.encode({ id: noiseId, type: 2, ciphertext: randomBytes(120) }))
    const r3 = await replies(noise, 1)
    expect(r3.acks).toHaveLength(1)
    expect(r3.acks[0].status).toBe(Ack.Status.REJECTED)
    expect(r3.acks[0].reason).toContain('undecryptable')

    expect(messageCount(bob)).toBe(stored)
    expect(bob.engine.contacts.get(mallory.peerId.toString())).toBeUndefined()

    // Bob still serves Alice.
    const after = await alice.engine.send(bob.engine.peerId, 'legit after')
    await waitFor(() => alice.engine.messages.get(after.id)?.status === 'delivered', 10_000, 'delivery after the attack')
    expect(messageCount(bob)).toBe(stored + 1)
  })

  it('gets nothing stored by replaying a captured envelope', async () => {
    net = await SimNetwork.create()
    let { alice, bob } = await withSession(net)

    // Capture an envelope, then let it arrive for real.
    const captured = await queuedEnvelope(net, alice, bob, 'captured on the wire')
    bob = await net.startUser('bob')
    await waitFor(() => alice.engine.messages.get(captured.id)?.status === 'delivered', 10_000, 'the captured message to arrive once')
    const stored = messageCount(bob)

    // Replay it from Alice's own PeerId (an attacker holding her key and a recording).
    const replayer = await rawNode(await stolenKey(net, alice))
    const envelope = { type: captured.type, ciphertext: captured.ciphertext }

    const sameId = await openMessageStream(replayer, bob)
    await sendFrame(sameId, Envelope.encode({ id: Buffer.from(captured.id, 'hex'), ...envelope }))
    const r1 = await replies(sameId, 1)
    expect(r1.acks.map(a => a.status)).toEqual([Ack.Status.DUPLICATE])

    // Under a new id libsignal sees the message keys used again: to an honest
    // sender that means its session went back in time, so the answer is
    // NO_SESSION (start afresh), and nothing is stored.
    const newId = await openMessageStream(replayer, bob)
    await sendFrame(newId, Envelope.encode({ id: randomBytes(16), ...envelope }))
    const r2 = await replies(newId, 1)
    expect(r2.acks.map(a => a.status)).toEqual([Ack.Status.NO_SESSION])
    expect(messageCount(bob)).toBe(stored)
    await replayer.stop()
    nodes.splice(nodes.indexOf(replayer), 1)

    alice = await net.startUser('alice')
    const later = await alice.engine.send(bob.engine.peerId, 'still works')
    await waitFor(() => alice.engine.messages.get(later.id)?.status === 'delivered', 10_000, 'delivery after the replay')
    expect(bob.engine.history(peerIdFromString(alice.engine.peerId).toString(), 10).map(m => m.text)).toContain('still works')
  })

  it('announces a stored message even when its sender vanishes before the ack', async () => {
    net = await SimNetwork.create()
    const session = await withSession(net)
    const queued = await queuedEnvelope(net, session.alice, session.bob, 'sent just before a crash')
    const aliceKey = await stolenKey(net, session.alice)

    const bob = await net.startUser('bob')
    const announced: string[] = []
    bob.engine.addEventListener('message', (event) => { announced.push(event.detail.text) })
    // Alice's device sends the envelope and dies at once: the ack has nowhere to go.
    const vanishing = await rawNode(aliceKey)
    const stream = await openMessageStream(vanishing, bob)
    await sendFrame(stream, Envelope.encode({ id: Buffer.from(queued.id, 'hex'), type: queued.type, ciphertext: queued.ciphertext }))
    stream.abort(new Error('the sender crashed'))

    await waitFor(() => bob.engine.messages.get(queued.id) != null, 10_000, 'the envelope to be stored')
    await waitFor(() => announced.includes('sent just before a crash'), 5_000, 'the stored message to be announced')
  })

  it('gets a decrypted message with a wrong conversation, a wrong id or no text rejected, and nothing stored', async () => {
    net = await SimNetwork.create()
    const bob = await net.addUser('bob')
    const mallory = await stranger(bob, await sharedBundle(bob))
    const cases: Array<[string, Partial<Content>, RegExp]> = [
      ['another conversation', { conversationId: randomBytes(16) }, /another conversation/],
      ['another id', { messageId: randomBytes(16) }, /message id/],
      ['no text', { text: { text: '' } }, /empty/]
    ]
    for (const [label, content, reason] of cases) {
      const { acks } = await mallory.send([await mallory.envelope(1, label, content)])
      expect(acks.map(a => a.status), label).toEqual([Ack.Status.REJECTED])
      expect(acks[0].reason, label).toMatch(reason)
    }
    expect(messageCount(bob)).toBe(0)
    expect(bob.engine.contacts.get(mallory.identity.peerId.toString())).toBeUndefined()
    expect(rowCount(bob, 'signal_sessions')).toBe(0)
    // The same stranger's well-formed message is then accepted: the rejections left no state behind.
    const { acks } = await mallory.send([await mallory.envelope(1, 'hello')])
    expect(acks.map(a => a.status)).toEqual([Ack.Status.OK])
    expect(messageCount(bob)).toBe(1)
  })

  it(`keeps at most ${MAX_PENDING_REQUESTS} message requests from strangers sharing one prekey bundle`, async () => {
    net = await SimNetwork.create()
    const bob = await net.addUser('bob')
    const bundle = await sharedBundle(bob)
    for (let i = 0; i < MAX_PENDING_REQUESTS; i++) {
      const someone = await stranger(bob, bundle)
      const { acks } = await someone.send([await someone.envelope(1, `hello from stranger ${i}`)])
      expect(acks.map(a => a.status), `stranger ${i}`).toEqual([Ack.Status.OK])
      await someone.node.stop()
    }
    expect(bob.engine.contacts.countPendingRequests()).toBe(MAX_PENDING_REQUESTS)
    const before = { messages: messageCount(bob), contacts: rowCount(bob, 'contacts'), sessions: rowCount(bob, 'signal_sessions'), pins: rowCount(bob, 'signal_identities') }

    const oneTooMany = await stranger(bob, bundle)
    const { acks } = await oneTooMany.send([await oneTooMany.envelope(1, 'and one more')])
    expect(acks.map(a => a.status)).toEqual([Ack.Status.REJECTED])
    expect(acks[0].reason).toMatch(/request_limit/)
    expect({ messages: messageCount(bob), contacts: rowCount(bob, 'contacts'), sessions: rowCount(bob, 'signal_sessions'), pins: rowCount(bob, 'signal_identities') }).toEqual(before)
    expect(bob.engine.contacts.get(oneTooMany.identity.peerId.toString())).toBeUndefined()

    // Contacts the user added are not requests: they still get through.
    const alice = await net.addUser('alice')
    await introduce(alice, bob)
    const hello = await alice.engine.send(bob.engine.peerId, 'a friend, not a request')
    await waitFor(() => alice.engine.messages.get(hello.id)?.status === 'delivered', 10_000, 'a contact\'s delivery with the requests full')
  })

  it(`stores at most ${MAX_MESSAGES_PER_REQUEST} messages from a stranger until the user replies`, async () => {
    net = await SimNetwork.create()
    const bob = await net.addUser('bob')
    const someone = await stranger(bob, await sharedBundle(bob))
    const peerId = someone.identity.peerId.toString()
    const frames: Uint8Array[] = []
    for (let seq = 1; seq <= MAX_MESSAGES_PER_REQUEST + 1; seq++) frames.push(await someone.envelope(seq, `message ${seq}`))
    const { acks } = await someone.send(frames)
    expect(acks.slice(0, MAX_MESSAGES_PER_REQUEST).every(a => a.status === Ack.Status.OK)).toBe(true)
    expect(acks.at(-1)?.status).toBe(Ack.Status.REJECTED)
    expect(acks.at(-1)?.reason).toMatch(/request_limit/)
    expect(bob.engine.history(peerId, 100)).toHaveLength(MAX_MESSAGES_PER_REQUEST)

    // Bob answers: the stranger is no longer a pending request, and its messages are stored again.
    await bob.engine.send(peerId, 'hi, who is this?')
    expect(bob.engine.contacts.isPendingRequest(peerId)).toBe(false)
    const later = await someone.send([await someone.envelope(MAX_MESSAGES_PER_REQUEST + 2, 'a friend from the conference')])
    expect(later.acks.map(a => a.status)).toEqual([Ack.Status.OK])
  })

  it(`cannot hold a stream by dribbling a frame: reset ${FRAME_READ_TIMEOUT_MS / 1000} s after the frame began`, async () => {
    net = await SimNetwork.create()
    const bob = await net.addUser('bob')
    const mallory = await rawNode()
    const frame = (): Uint8Array => lp.encode.single(Envelope.encode({ id: randomBytes(16), type: 2, ciphertext: randomBytes(120) })).subarray()

    // A frame that arrives in two parts a second apart is read and answered.
    const split = await openMessageStream(mallory, bob)
    const whole = frame()
    split.send(whole.subarray(0, 40))
    await new Promise(resolve => setTimeout(resolve, 1_000))
    split.send(whole.subarray(40))
    expect((await replies(split, 1)).acks.map(a => a.status)).toEqual([Ack.Status.REJECTED])

    // One byte a second never leaves the stream idle; the frame deadline still ends it.
    const dribble = await openMessageStream(mallory, bob)
    const started = performance.now()
    let resetAfter: number | undefined
    dribble.addEventListener('close', () => { resetAfter ??= performance.now() - started })
    const bytes = frame()
    for (let i = 0; i < bytes.length && resetAfter == null && performance.now() - started < IDLE_STREAM_TIMEOUT_MS - 5_000; i++) {
      if (dribble.status !== 'open') break
      dribble.send(bytes.subarray(i, i + 1))
      await new Promise(resolve => setTimeout(resolve, 1_000))
    }
    await waitFor(() => resetAfter != null, 5_000, 'the dribbling stream to be reset')
    expect(resetAfter).toBeGreaterThanOrEqual(FRAME_READ_TIMEOUT_MS - 1_000)
    expect(resetAfter).toBeLessThan(FRAME_READ_TIMEOUT_MS + 5_000)
    expect(messageCount(bob)).toBe(0)
  }, 60_000)

  it(`gets at most ${MAX_BUNDLES_PER_PEER_PER_MINUTE} prekey bundles a minute`, async () => {
    net = await SimNetwork.create()
    const bob = await net.addUser('bob')
    const mallory = await rawNode()
    const connection = await mallory.dial(bob.engine.node.getMultiaddrs())
    const handedOut = (): number => (bob.engine.db.sql.prepare('SELECT count(*) AS n FROM signal_prekeys WHERE handed_out = 1').get() as { n: number }).n
    for (let i = 0; i < MAX_BUNDLES_PER_PEER_PER_MINUTE; i++) {
      const bundle = await fetchBundle(connection)
      expect(bundle.prekeyId).toBeDefined()
    }
    expect(handedOut()).toBe(MAX_BUNDLES_PER_PEER_PER_MINUTE)
    await expect(fetchBundle(connection)).rejects.toThrow()
    expect(handedOut()).toBe(MAX_BUNDLES_PER_PEER_PER_MINUTE)
  })
})

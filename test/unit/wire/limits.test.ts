import { randomBytes } from 'node:crypto'
import { generateKeyPair } from '@libp2p/crypto/keys'
import { peerIdFromPrivateKey } from '@libp2p/peer-id'
import { afterEach, describe, expect, it } from 'vitest'
import { GENESIS_HASH, contentProblem, conversationIdFor } from '../../../core/chat/content.js'
import { bundleFromWire, replenishPrekeys, takeBundle } from '../../../core/e2ee/prekeys.js'
import { Sessions } from '../../../core/e2ee/session.js'
import { createSignalStores } from '../../../core/e2ee/signal-stores.js'
import { createIdentity } from '../../../core/identity/identity.js'
import { MAX_FRAME_BYTES, MAX_TEXT_BYTES } from '../../../core/wire/limits.js'
import { Content, Envelope } from '../../../core/wire/parley.js'
import { tempDatabase } from '../../helpers/temp.js'
import type { Content as ContentMessage } from '../../../core/wire/parley.js'

const cleanups: Array<() => Promise<void>> = []
afterEach(async () => { for (const c of cleanups.splice(0)) await c() })

async function validContent (text: string): Promise<{ content: ContentMessage, id: Uint8Array, conversation: Uint8Array }> {
  const a = peerIdFromPrivateKey(await generateKeyPair('Ed25519'))
  const b = peerIdFromPrivateKey(await generateKeyPair('Ed25519'))
  const id = randomBytes(16)
  const conversation = conversationIdFor(a, b)
  return { id, conversation, content: { messageId: id, conversationId: conversation, seq: 1n, prevHash: GENESIS_HASH, timestamp: BigInt(Date.now()), text: { text } } }
}

describe('wire limits', () => {
  it('accepts text up to MAX_TEXT_BYTES and rejects one byte more', async () => {
    const ok = await validContent('a'.repeat(MAX_TEXT_BYTES))
    expect(contentProblem(ok.content, ok.id, ok.conversation)).toBeUndefined()
    const over = await validContent('a'.repeat(MAX_TEXT_BYTES + 1))
    expect(contentProblem(over.content, over.id, over.conversation)).toMatch(/longer than/)
    // Multi-byte characters count in bytes, not characters.
    const emoji = await validContent('é'.repeat(MAX_TEXT_BYTES / 2 + 1))
    expect(contentProblem(emoji.content, emoji.id, emoji.conversation)).toMatch(/longer than/)
  })

  it('rejects content that does not belong to its envelope or conversation', async () => {
    const { content, id, conversation } = await validContent('hi')
    expect(contentProblem(content, randomBytes(16), conversation)).toMatch(/message id/)
    expect(contentProblem(content, id, randomBytes(16))).toMatch(/another conversation/)
    expect(contentProblem({ ...content, seq: 0n }, id, conversation)).toMatch(/sequence/)
    expect(contentProblem({ ...content, prevHash: new Uint8Array(31) }, id, conversation)).toMatch(/hash/)
    expect(contentProblem({ ...content, text: { text: '' } }, id, conversation)).toMatch(/empty/)
    expect(contentProblem({ ...content, text: undefined }, id, conversation)).toMatch(/no body/)
  })

  it('fits the longest text, PQXDH-encrypted, inside one frame', async () => {
    const alice = tempDatabase()
    const bob = tempDatabase()
    cleanups.push(alice.cleanup, bob.cleanup)
    const aliceId = await createIdentity('alice')
    const bobId = await createIdentity('bob')
    const bobStores = createSignalStores(bob.db, bobId)
    await replenishPrekeys(bob.db, bobId, bobStores)
    const sessions = new Sessions(aliceId, createSignalStores(alice.db, aliceId))
    const peer = bobId.peerId.toString()
    await alice.db.write(async () => { await sessions.start(peer, await bundleFromWire(await takeBundle(bob.db, bobId, bobStores), bobId.peerKey.publicKey.raw)) })
    const { content } = await validContent('😀'.repeat(MAX_TEXT_BYTES / 4))
    const ciphertext = await alice.db.write(async () => await sessions.encrypt(peer, Content.encode(content)))
    expect(ciphertext.type).toBe(3) // the largest kind: it carries the Kyber ciphertext
    const frame = Envelope.encode({ id: randomBytes(16), type: ciphertext.type, ciphertext: ciphertext.body })
    expect(frame.byteLength).toBeLessThanOrEqual(MAX_FRAME_BYTES)
  })
})

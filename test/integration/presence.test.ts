import { randomBytes } from 'node:crypto'
import { generateKeyPair } from '@libp2p/crypto/keys'
import { logger } from '@libp2p/logger'
import { afterEach, describe, expect, it } from 'vitest'
import { PRESENCE_RECENT_MS, PresenceService } from '../../core/chat/presence.js'
import { createParleyNode } from '../../core/net/presets.js'
import { waitFor } from '../../core/sim/harness.js'
import { ContactsRepository } from '../../core/store/contacts-repo.js'
import { MessagesRepository } from '../../core/store/messages-repo.js'
import { tempDatabase } from '../helpers/temp.js'
import type { ParleyNode } from '../../core/net/presets.js'

const DAY = 24 * 60 * 60 * 1000
const JITTER_MS = 1500

const nodes: ParleyNode[] = []
const cleanups: Array<() => Promise<void>> = []
let presence: PresenceService | undefined
afterEach(async () => {
  presence?.stop()
  presence = undefined
  for (const node of nodes.splice(0)) await node.stop()
  for (const cleanup of cleanups.splice(0)) await cleanup()
})

async function node (): Promise<ParleyNode> {
  const created = await createParleyNode({ preset: 'sim', privateKey: await generateKeyPair('Ed25519'), listen: ['/ip4/127.0.0.1/tcp/0'] })
  nodes.push(created)
  return created
}

describe('presence dials', () => {
  it('reach only accepted contacts with queued or recent traffic, within the jitter window', async () => {
    const { db, cleanup } = tempDatabase()
    cleanups.push(cleanup)
    const contacts = new ContactsRepository(db)
    const messages = new MessagesRepository(db)
    const self = await node()
    const now = Date.now()

    const peers = {
      recent: await node(), // an accepted contact we talked to yesterday
      queued: await node(), // an accepted contact we have a message queued for
      stale: await node(), // an accepted contact last heard from long ago
      silent: await node(), // an accepted contact we never talked to
      request: await node() // a stranger who wrote yesterday
    }
    const dialled = new Map<string, number>()
    for (const [label, peer] of Object.entries(peers)) {
      // Known addresses, so a dial is direct: the test sees it, and nothing else is asked.
      await self.peerStore.merge(peer.peerId, { multiaddrs: peer.getMultiaddrs() })
      peer.addEventListener('connection:open', (event) => {
        if (event.detail.remotePeer.equals(self.peerId) && !dialled.has(label)) dialled.set(label, Date.now())
      })
    }
    let seq = 0
    const message = (conversationId: string, sender: string, sentAt: number): Parameters<MessagesRepository['insertOutgoing']>[0] => {
      seq += 1
      return { id: randomBytes(16).toString('hex'), conversationId, sender, seq, prevHash: new Uint8Array(32), contentHash: new Uint8Array(32), content: new Uint8Array([1]), text: 'hi', sentAt }
    }
    await db.write(() => {
      for (const [label, peer] of Object.entries(peers)) {
        const peerId = peer.peerId.toString()
        if (label === 'request') contacts.insertRequest(peerId, randomBytes(33), now - DAY)
        else contacts.upsertFromInvite({ peerId, name: label, identityKey: randomBytes(33), relays: [] }, now - 100 * DAY)
        messages.ensureConversation(`conv-${label}`, peerId, now - 100 * DAY)
      }
      messages.insertIncoming(message('conv-recent', peers.recent.peerId.toString(), now - DAY), now - DAY)
      messages.insertOutgoing(message('conv-queued', 'me', now - 60 * DAY))
      messages.insertIncoming(message('conv-stale', peers.stale.peerId.toString(), now - PRESENCE_RECENT_MS - DAY), now - PRESENCE_RECENT_MS - DAY)
      messages.insertIncoming(message('conv-request', peers.request.peerId.toString(), now - DAY), now - DAY)
    })

    const started = Date.now()
    presence = new PresenceService({ node: self, contacts, log: logger('test:presence'), jitterMs: JITTER_MS })
    presence.start()
    await waitFor(() => dialled.has('recent') && dialled.has('queued'), 10_000, 'the presence dials')
    // Every dial was due within the jitter window; wait past it for any that should not come.
    await new Promise(resolve => setTimeout(resolve, JITTER_MS + 1000))
    expect([...dialled.keys()].sort()).toEqual(['queued', 'recent'])
    for (const at of dialled.values()) expect(at - started).toBeLessThan(JITTER_MS + 3000)
  })

  it('dials nothing after stop, even what was already scheduled', async () => {
    const { db, cleanup } = tempDatabase()
    cleanups.push(cleanup)
    const contacts = new ContactsRepository(db)
    const messages = new MessagesRepository(db)
    const self = await node()
    const peer = await node()
    await self.peerStore.merge(peer.peerId, { multiaddrs: peer.getMultiaddrs() })
    let connected = false
    peer.addEventListener('connection:open', () => { connected = true })
    await db.write(() => {
      contacts.upsertFromInvite({ peerId: peer.peerId.toString(), name: 'p', identityKey: randomBytes(33), relays: [] }, Date.now())
      messages.ensureConversation('conv', peer.peerId.toString(), Date.now())
      messages.insertOutgoing({ id: 'm', conversationId: 'conv', sender: 'me', seq: 1, prevHash: new Uint8Array(32), contentHash: new Uint8Array(32), content: new Uint8Array([1]), text: 'hi', sentAt: Date.now() })
    })
    presence = new PresenceService({ node: self, contacts, log: logger('test:presence'), jitterMs: 1000 })
    presence.start()
    presence.stop()
    await new Promise(resolve => setTimeout(resolve, 2000))
    expect(connected).toBe(false)
  })
})

import { afterEach, describe, expect, it } from 'vitest'
import { bundleFromWire, replenishPrekeys, takeBundle, ONE_TIME_PREKEYS_TARGET } from '../../../core/e2ee/prekeys.js'
import { Sessions } from '../../../core/e2ee/session.js'
import { createSignalStores } from '../../../core/e2ee/signal-stores.js'
import { createIdentity } from '../../../core/identity/identity.js'
import { tempDatabase } from '../../helpers/temp.js'
import type { DeviceIdentity } from '../../../core/identity/identity.js'
import type { ParleyDatabase } from '../../../core/store/database.js'

interface Device { identity: DeviceIdentity, db: ParleyDatabase, sessions: Sessions, stores: ReturnType<typeof createSignalStores>, cleanup: () => Promise<void> }

const cleanups: Array<() => Promise<void>> = []
afterEach(async () => { for (const c of cleanups.splice(0)) await c() })

async function device (name: string): Promise<Device> {
  const { db, cleanup } = tempDatabase()
  cleanups.push(cleanup)
  const identity = await createIdentity(name)
  const stores = createSignalStores(db, identity)
  await replenishPrekeys(db, identity, stores)
  return { identity, db, stores, sessions: new Sessions(identity, stores), cleanup }
}

const text = (s: string): Uint8Array => new TextEncoder().encode(s)
const read = (b: Uint8Array): string => new TextDecoder().decode(b)

describe('libsignal sessions on the database', () => {
  it('starts a PQXDH session from a bundle and ratchets both ways', async () => {
    const alice = await device('alice')
    const bob = await device('bob')
    const bundle = await takeBundle(bob.db, bob.identity, bob.stores)
    expect(bundle.prekeyId).toBeDefined()
    const a = alice.identity.peerId.toString()
    const b = bob.identity.peerId.toString()
    await alice.db.write(async () => { await alice.sessions.start(b, await bundleFromWire(bundle, bob.identity.peerKey.publicKey.raw)) })
    const first = await alice.db.write(async () => await alice.sessions.encrypt(b, text('hello bob')))
    expect(first.type).toBe(3)
    expect(read(await bob.db.write(async () => await bob.sessions.decrypt(a, first)))).toBe('hello bob')
    const reply = await bob.db.write(async () => await bob.sessions.encrypt(a, text('hi alice')))
    expect(reply.type).toBe(2)
    expect(read(await alice.db.write(async () => await alice.sessions.decrypt(b, reply)))).toBe('hi alice')
    // The one-time prekey was consumed on Bob's side.
    const left = bob.db.sql.prepare('SELECT count(*) AS n FROM signal_prekeys').get() as { n: number }
    expect(left.n).toBe(ONE_TIME_PREKEYS_TARGET - 1)
  })

  it('rejects a replayed ciphertext and rolls back a failed decrypt', async () => {
    const alice = await device('alice')
    const bob = await device('bob')
    const b = bob.identity.peerId.toString()
    const a = alice.identity.peerId.toString()
    await alice.db.write(async () => { await alice.sessions.start(b, await bundleFromWire(await takeBundle(bob.db, bob.identity, bob.stores), bob.identity.peerKey.publicKey.raw)) })
    const m1 = await alice.db.write(async () => await alice.sessions.encrypt(b, text('one')))
    await bob.db.write(async () => await bob.sessions.decrypt(a, m1))
    await expect(bob.db.write(async () => await bob.sessions.decrypt(a, m1))).rejects.toThrow()
    const garbage = { type: 2, body: new Uint8Array(80) }
    await expect(bob.db.write(async () => await bob.sessions.decrypt(a, garbage))).rejects.toThrow()
    const m2 = await alice.db.write(async () => await alice.sessions.encrypt(b, text('two')))
    expect(read(await bob.db.write(async () => await bob.sessions.decrypt(a, m2)))).toBe('two')
  })

  it('refuses a replayed session start that used only the last-resort Kyber prekey', async () => {
    const alice = await device('alice')
    const bob = await device('bob')
    const a = alice.identity.peerId.toString()
    const b = bob.identity.peerId.toString()
    // Without a one-time prekey, nothing is consumed: only the base-key record stops a replay.
    const bundle = { ...await takeBundle(bob.db, bob.identity, bob.stores), prekeyId: undefined, prekey: undefined }
    await alice.db.write(async () => { await alice.sessions.start(b, await bundleFromWire(bundle, bob.identity.peerKey.publicKey.raw)) })
    const first = await alice.db.write(async () => await alice.sessions.encrypt(b, text('hello')))
    expect(first.type).toBe(3)
    expect(read(await bob.db.write(async () => await bob.sessions.decrypt(a, first)))).toBe('hello')
    // Bob's session is gone (an accepted identity change, a restore): the recorded start must still not open a new one.
    bob.db.sql.exec('DELETE FROM signal_sessions')
    await expect(bob.db.write(async () => await bob.sessions.decrypt(a, first))).rejects.toThrow(/replayed session start/)
    expect(bob.db.sql.prepare('SELECT count(*) AS n FROM signal_sessions').get()).toMatchObject({ n: 0 })
    // A genuinely new start (a new base key) from the same bundle is accepted.
    const carol = await device('carol')
    await carol.db.write(async () => { await carol.sessions.start(b, await bundleFromWire(bundle, bob.identity.peerKey.publicKey.raw)) })
    const fresh = await carol.db.write(async () => await carol.sessions.encrypt(b, text('hi bob')))
    expect(read(await bob.db.write(async () => await bob.sessions.decrypt(carol.identity.peerId.toString(), fresh)))).toBe('hi bob')
  })

  it('hands out each one-time prekey once and refills when low', async () => {
    const bob = await device('bob')
    const ids = new Set<number>()
    for (let i = 0; i < ONE_TIME_PREKEYS_TARGET - 10; i++) {
      const bundle = await takeBundle(bob.db, bob.identity, bob.stores)
      expect(bundle.prekeyId).toBeDefined()
      ids.add(bundle.prekeyId ?? -1)
    }
    expect(ids.size).toBe(ONE_TIME_PREKEYS_TARGET - 10)
    await replenishPrekeys(bob.db, bob.identity, bob.stores)
    const available = bob.db.sql.prepare('SELECT count(*) AS n FROM signal_prekeys WHERE handed_out = 0').get() as { n: number }
    expect(available.n).toBe(ONE_TIME_PREKEYS_TARGET)
    const next = await takeBundle(bob.db, bob.identity, bob.stores)
    expect(ids.has(next.prekeyId ?? -1)).toBe(false)
  })

  it('refuses a bundle whose identity key is not bound to the peer key', async () => {
    const bob = await device('bob')
    const mallory = await device('mallory')
    const bundle = await takeBundle(mallory.db, mallory.identity, mallory.stores)
    await expect(bundleFromWire(bundle, bob.identity.peerKey.publicKey.raw)).rejects.toThrow('not bound')
  })

  it('refuses bytes that are not a libsignal message as malformed, before any session lookup', async () => {
    const bob = await device('bob')
    const stranger = (await device('stranger')).identity.peerId.toString()
    await expect(bob.db.write(async () => await bob.sessions.decrypt(stranger, { type: 2, body: new Uint8Array(80) })))
      .rejects.toMatchObject({ name: 'ProtocolViolationError', message: expect.stringContaining('malformed ciphertext') as unknown })
    await expect(bob.db.write(async () => await bob.sessions.decrypt(stranger, { type: 7, body: new Uint8Array(80) })))
      .rejects.toMatchObject({ name: 'ProtocolViolationError', message: expect.stringContaining('unsupported ciphertext type') as unknown })
  })

  it('retires the session a ciphertext was made under, keeping it for what the peer already sent', async () => {
    const alice = await device('alice')
    const bob = await device('bob')
    const a = alice.identity.peerId.toString()
    const b = bob.identity.peerId.toString()
    const startWithBob = async (): Promise<void> => {
      const bundle = await bundleFromWire(await takeBundle(bob.db, bob.identity, bob.stores), bob.identity.peerKey.publicKey.raw)
      await alice.db.write(async () => { await alice.sessions.start(b, bundle) })
    }
    await startWithBob()
    const first = await alice.db.write(async () => await alice.sessions.encrypt(b, text('one')))
    await bob.db.write(async () => await bob.sessions.decrypt(a, first))
    const reply = await bob.db.write(async () => await bob.sessions.encrypt(a, text('reply')))
    await alice.db.write(async () => await alice.sessions.decrypt(b, reply))
    const whisper = await alice.db.write(async () => await alice.sessions.encrypt(b, text('two')))
    expect(whisper.type).toBe(2)
    // Bob sends once more under this session before Alice retires it.
    const inFlight = await bob.db.write(async () => await bob.sessions.encrypt(a, text('in flight')))

    expect(await alice.db.write(async () => await alice.sessions.archiveIfCurrent(b, whisper))).toBe(true)
    expect(await alice.sessions.has(b)).toBe(false)
    // Nothing current to retire any more.
    expect(await alice.db.write(async () => await alice.sessions.archiveIfCurrent(b, whisper))).toBe(false)
    // The retired state still opens what Bob sent under it (and libsignal makes it current again).
    expect(read(await alice.db.write(async () => await alice.sessions.decrypt(b, inFlight)))).toBe('in flight')

    // A newer session is not retired for a ciphertext made under an older one (PreKey or Whisper).
    await startWithBob()
    expect(await alice.db.write(async () => await alice.sessions.archiveIfCurrent(b, first))).toBe(false)
    expect(await alice.db.write(async () => await alice.sessions.archiveIfCurrent(b, whisper))).toBe(false)
    expect(await alice.sessions.has(b)).toBe(true)
    const fresh = await alice.db.write(async () => await alice.sessions.encrypt(b, text('fresh')))
    expect(fresh.type).toBe(3)
    expect(await alice.db.write(async () => await alice.sessions.archiveIfCurrent(b, fresh))).toBe(true)
  })
})

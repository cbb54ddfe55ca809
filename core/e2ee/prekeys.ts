import { KEMKeyPair, KyberPreKeyRecord, PreKeyBundle, PreKeyRecord, PrivateKey, SignedPreKeyRecord } from '@signalapp/libsignal-client'
import { KEMPublicKey, PublicKey } from '@signalapp/libsignal-client'
import { bytes } from '../bytes.js'
import { PARLEY_DEVICE_ID } from '../store/signal-address.js'
import { ProtocolViolationError } from '../errors.js'
import { verifyBinding } from '../identity/identity.js'
import type { DeviceIdentity } from '../identity/identity.js'
import type { ParleyDatabase } from '../store/database.js'
import type { PreKeyBundle as PreKeyBundleMessage } from '../wire/parley.js'
import type { SignalStores } from './signal-stores.js'

/** Every device is device 1: Parley has one device per identity. */
export const DEVICE_ID = PARLEY_DEVICE_ID

/** One-time prekeys kept available; refilled to TARGET when fewer than MIN remain. */
export const ONE_TIME_PREKEYS_TARGET = 100
export const ONE_TIME_PREKEYS_MIN = 20

/** The signed prekey and last-resort Kyber key are replaced after this long. */
export const SIGNED_PREKEY_ROTATION_MS = 14 * 24 * 60 * 60 * 1000

/**
 * A replaced signed or last-resort Kyber prekey is kept this long, for session
 * starts already in flight, then deleted so a later disk compromise cannot
 * open them.
 */
export const REPLACED_PREKEY_GRACE_MS = SIGNED_PREKEY_ROTATION_MS

/** libsignal prekey ids are 24-bit in practice; stay inside that range. */
const MAX_PREKEY_ID = 0xffffff

function nextId (db: ParleyDatabase, table: string): number {
  const row = db.statement(`SELECT max(id) AS id FROM ${table}`).get() as { id: number | null }
  return ((row.id ?? 0) % MAX_PREKEY_ID) + 1
}

/**
 * Makes sure this device can be contacted: a current signed prekey, a
 * current last-resort Kyber prekey and enough unused one-time prekeys.
 * Runs at start and after handing out prekeys.
 */
export async function replenishPrekeys (db: ParleyDatabase, identity: DeviceIdentity, stores: SignalStores, now = Date.now()): Promise<void> {
  await db.write(async () => {
    const newestSigned = db.statement('SELECT max(created_at) AS t FROM signal_signed_prekeys').get() as { t: number | null }
    if (newestSigned.t == null || now - newestSigned.t > SIGNED_PREKEY_ROTATION_MS) {
      const id = nextId(db, 'signal_signed_prekeys')
      const key = PrivateKey.generate()
      const signature = identity.signal.privateKey.sign(key.getPublicKey().serialize())
      await stores.signedPrekeys.saveSignedPreKey(id, SignedPreKeyRecord.new(id, now, key.getPublicKey(), key, signature))
    }
    const newestKyber = db.statement('SELECT max(created_at) AS t FROM signal_kyber_prekeys WHERE last_resort = 1').get() as { t: number | null }
    if (newestKyber.t == null || now - newestKyber.t > SIGNED_PREKEY_ROTATION_MS) {
      const id = nextId(db, 'signal_kyber_prekeys')
      const pair = KEMKeyPair.generate()
      const signature = identity.signal.privateKey.sign(pair.getPublicKey().serialize())
      stores.kyberPrekeys.saveKyber(id, KyberPreKeyRecord.new(id, now, pair, signature), true)
    }
    const cutoff = now - SIGNED_PREKEY_ROTATION_MS - REPLACED_PREKEY_GRACE_MS
    db.statement(`DELETE FROM signal_signed_prekeys WHERE created_at < ?
      AND id != (SELECT id FROM signal_signed_prekeys ORDER BY created_at DESC, id DESC LIMIT 1)`).run(cutoff)
    db.statement(`DELETE FROM signal_kyber_prekeys WHERE last_resort = 1 AND created_at < ?
      AND id != (SELECT id FROM signal_kyber_prekeys WHERE last_resort = 1 ORDER BY created_at DESC, id DESC LIMIT 1)`).run(cutoff)
    const available = db.statement('SELECT count(*) AS n FROM signal_prekeys WHERE handed_out = 0').get() as { n: number }
    if (available.n < ONE_TIME_PREKEYS_MIN) {
      let id = nextId(db, 'signal_prekeys')
      for (let i = available.n; i < ONE_TIME_PREKEYS_TARGET; i++) {
        const key = PrivateKey.generate()
        await stores.prekeys.savePreKey(id, PreKeyRecord.new(id, key.getPublicKey(), key))
        id = (id % MAX_PREKEY_ID) + 1
      }
    }
  })
}

/**
 * Builds the bundle a peer needs to start a session with us, handing out one
 * one-time prekey (never the same one twice). Without one left, the bundle
 * still works: PQXDH then relies on the signed and Kyber prekeys.
 */
export async function takeBundle (db: ParleyDatabase, identity: DeviceIdentity, stores: SignalStores): Promise<PreKeyBundleMessage> {
  return await db.write(async () => {
    const signedRow = db.statement('SELECT id FROM signal_signed_prekeys ORDER BY created_at DESC, id DESC LIMIT 1').get() as { id: number } | undefined
    const kyberRow = db.statement('SELECT id FROM signal_kyber_prekeys WHERE last_resort = 1 ORDER BY created_at DESC, id DESC LIMIT 1').get() as { id: number } | undefined
    if (signedRow == null || kyberRow == null) throw new Error('prekeys have not been generated yet')
    const signed = await stores.signedPrekeys.getSignedPreKey(signedRow.id)
    const kyber = await stores.kyberPrekeys.getKyberPreKey(kyberRow.id)
    const oneTimeRow = db.statement('SELECT id FROM signal_prekeys WHERE handed_out = 0 ORDER BY id LIMIT 1').get() as { id: number } | undefined
    let prekeyId: number | undefined
    let prekey: Uint8Array<ArrayBuffer> | undefined
    if (oneTimeRow != null) {
      db.statement('UPDATE signal_prekeys SET handed_out = 1 WHERE id = ?').run(oneTimeRow.id)
      prekeyId = oneTimeRow.id
      prekey = (await stores.prekeys.getPreKey(oneTimeRow.id)).publicKey().serialize()
    }
    return {
      registrationId: identity.registrationId,
      deviceId: DEVICE_ID,
      prekeyId,
      prekey,
      signedPrekeyId: signed.id(),
      signedPrekey: signed.publicKey().serialize(),
      signedPrekeySignature: signed.signature(),
      identityKey: identity.signal.publicKey.serialize(),
      bindingSignature: bytes(identity.bindingSignature),
      kyberPrekeyId: kyber.id(),
      kyberPrekey: kyber.publicKey().serialize(),
      kyberPrekeySignature: kyber.signature()
    }
  })
}

/**
 * Turns a bundle from the network into libsignal's type, after checking that
 * the peer's own key vouches for the identity key in it. libsignal checks the
 * prekey signatures when the bundle is processed.
 */
export async function bundleFromWire (message: PreKeyBundleMessage, peerPublicKey: Uint8Array): Promise<PreKeyBundle> {
  if (!(await verifyBinding(peerPublicKey, message.identityKey, message.bindingSignature))) {
    throw new ProtocolViolationError('the prekey bundle\'s identity key is not bound to the peer\'s key')
  }
  if ((message.prekeyId == null) !== (message.prekey == null)) throw new ProtocolViolationError('the prekey bundle has a one-time prekey id without a key, or a key without an id')
  try {
    return PreKeyBundle.new(
      message.registrationId,
      message.deviceId,
      message.prekeyId ?? null,
      message.prekey == null ? null : PublicKey.deserialize(message.prekey),
      message.signedPrekeyId,
      PublicKey.deserialize(message.signedPrekey),
      message.signedPrekeySignature,
      PublicKey.deserialize(message.identityKey),
      message.kyberPrekeyId,
      KEMPublicKey.deserialize(message.kyberPrekey),
      message.kyberPrekeySignature
    )
  } catch (err) {
    throw new ProtocolViolationError(`the prekey bundle is malformed: ${String(err)}`)
  }
}

import { IdentityKeyPair } from '@signalapp/libsignal-client'
import { bindingMessage } from '../../core/identity/identity.js'
import { ParleyDatabase } from '../../core/store/database.js'
import type { SimNetwork, SimUser } from '../../core/sim/harness.js'

/**
 * Gives a stopped user a new libsignal identity under the same PeerId, as a
 * reinstall that kept the peer key would, and returns the new public key.
 * Start the user again to use it.
 */
export async function replaceSignalIdentity (net: SimNetwork, user: SimUser): Promise<Uint8Array> {
  await net.stopUser(user.name)
  const db = await ParleyDatabase.open(user.dataDir, net.wrapper())
  const fresh = IdentityKeyPair.generate()
  const binding = await user.engine.identity.peerKey.sign(bindingMessage(fresh.publicKey.serialize()))
  await db.write(() => {
    db.sql.prepare('UPDATE identity SET signal_identity_key_pair = ?, binding_signature = ?').run(fresh.serialize(), binding)
    for (const table of ['signal_sessions', 'signal_prekeys', 'signal_signed_prekeys', 'signal_kyber_prekeys']) db.sql.exec(`DELETE FROM ${table}`)
  })
  await db.close()
  return fresh.publicKey.serialize()
}

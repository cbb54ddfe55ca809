import type { ParleyDatabase } from './database.js'

/** The identity row as bytes; `core/identity` turns it into keys. */
export interface IdentityRow {
  peerPrivateKey: Uint8Array
  signalIdentityKeyPair: Uint8Array
  registrationId: number
  bindingSignature: Uint8Array
  displayName: string
  createdAt: number
}

interface SqlIdentityRow {
  peer_private_key: Uint8Array
  signal_identity_key_pair: Uint8Array
  registration_id: number
  binding_signature: Uint8Array
  display_name: string
  created_at: number
}

export class IdentityRepository {
  constructor (private readonly db: ParleyDatabase) {}

  get (): IdentityRow | undefined {
    const row = this.db.statement('SELECT * FROM identity WHERE id = 1').get() as SqlIdentityRow | undefined
    if (row == null) return undefined
    return {
      peerPrivateKey: new Uint8Array(row.peer_private_key),
      signalIdentityKeyPair: new Uint8Array(row.signal_identity_key_pair),
      registrationId: row.registration_id,
      bindingSignature: new Uint8Array(row.binding_signature),
      displayName: row.display_name,
      createdAt: row.created_at
    }
  }

  /** Writes the identity once; a second call fails on the primary key. */
  async insert (row: IdentityRow): Promise<void> {
    await this.db.write(() => {
      this.db.statement(`INSERT INTO identity (id, peer_private_key, signal_identity_key_pair, registration_id, binding_signature, display_name, created_at)
        VALUES (1, ?, ?, ?, ?, ?, ?)`).run(row.peerPrivateKey, row.signalIdentityKeyPair, row.registrationId, row.bindingSignature, row.displayName, row.createdAt)
    })
  }

  /** Runs inside the caller's `db.write()`, with the settings it saves. */
  setDisplayName (name: string): void {
    this.db.statement('UPDATE identity SET display_name = ? WHERE id = 1').run(name)
  }
}

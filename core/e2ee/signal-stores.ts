import {
  IdentityChange,
  IdentityKeyStore,
  KyberPreKeyRecord,
  KyberPreKeyStore,
  PreKeyRecord,
  PreKeyStore,
  PublicKey,
  SenderKeyRecord,
  SenderKeyStore,
  SessionRecord,
  SessionStore,
  SignedPreKeyRecord,
  SignedPreKeyStore
} from '@signalapp/libsignal-client'
import { bytes, equalBytes } from '../bytes.js'
import { signalAddressKey } from '../store/signal-address.js'
import type { DeviceIdentity } from '../identity/identity.js'
import type { ParleyDatabase } from '../store/database.js'
import type { Direction, PrivateKey, ProtocolAddress, Uuid } from '@signalapp/libsignal-client'

/*
 * libsignal's stores, kept in the encrypted database. The methods are async
 * only because libsignal's interfaces are; each is one synchronous statement.
 * Callers that change state (encrypt, decrypt, processPreKeyBundle) run inside
 * `db.write()`, so a ratchet step commits together with the message it made.
 */

function addressKey (address: ProtocolAddress): string {
  return signalAddressKey(address.name(), address.deviceId())
}

interface RecordRow { record: Uint8Array }

export class SqlSessionStore extends SessionStore {
  constructor (private readonly db: ParleyDatabase) { super() }

  override async saveSession (address: ProtocolAddress, record: SessionRecord): Promise<void> {
    this.db.statement('INSERT INTO signal_sessions (address, record) VALUES (?, ?) ON CONFLICT(address) DO UPDATE SET record = excluded.record')
      .run(addressKey(address), record.serialize())
  }

  override async getSession (address: ProtocolAddress): Promise<SessionRecord | null> {
    const row = this.db.statement('SELECT record FROM signal_sessions WHERE address = ?').get(addressKey(address)) as RecordRow | undefined
    return row == null ? null : SessionRecord.deserialize(bytes(row.record))
  }

  override async getExistingSessions (addresses: ProtocolAddress[]): Promise<SessionRecord[]> {
    const sessions: SessionRecord[] = []
    for (const address of addresses) {
      const session = await this.getSession(address)
      if (session == null) throw new Error(`no session for ${addressKey(address)}`)
      sessions.push(session)
    }
    return sessions
  }
}

/**
 * Trust policy: a peer's identity key is pinned the first time we learn it
 * (from an invite, a prekey bundle we verified, or their first message). A
 * different key is untrusted in both directions until the user accepts it;
 * libsignal then throws an UntrustedIdentity error, which the chat layer turns
 * into a flagged contact.
 */
export class SqlIdentityKeyStore extends IdentityKeyStore {
  constructor (private readonly db: ParleyDatabase, private readonly identity: DeviceIdentity) { super() }

  override async getIdentityKey (): Promise<PrivateKey> {
    return this.identity.signal.privateKey
  }

  override async getLocalRegistrationId (): Promise<number> {
    return this.identity.registrationId
  }

  override async saveIdentity (address: ProtocolAddress, key: PublicKey): Promise<IdentityChange> {
    const existing = this.pinned(address)
    const serialized = key.serialize()
    if (existing != null && equalBytes(existing, serialized)) return IdentityChange.NewOrUnchanged
    this.db.statement('INSERT INTO signal_identities (address, identity_key) VALUES (?, ?) ON CONFLICT(address) DO UPDATE SET identity_key = excluded.identity_key')
      .run(address.name(), serialized)
    return existing == null ? IdentityChange.NewOrUnchanged : IdentityChange.ReplacedExisting
  }

  override async isTrustedIdentity (address: ProtocolAddress, key: PublicKey, _direction: Direction): Promise<boolean> {
    const existing = this.pinned(address)
    return existing == null || equalBytes(existing, key.serialize())
  }

  override async getIdentity (address: ProtocolAddress): Promise<PublicKey | null> {
    const existing = this.pinned(address)
    return existing == null ? null : PublicKey.deserialize(bytes(existing))
  }

  private pinned (address: ProtocolAddress): Uint8Array | undefined {
    const row = this.db.statement('SELECT identity_key FROM signal_identities WHERE address = ?').get(address.name()) as { identity_key: Uint8Array } | undefined
    return row?.identity_key
  }
}

export class SqlPreKeyStore extends PreKeyStore {
  constructor (private readonly db: ParleyDatabase) { super() }

  override async savePreKey (id: number, record: PreKeyRecord): Promise<void> {
    this.db.statement('INSERT OR REPLACE INTO signal_prekeys (id, record, handed_out) VALUES (?, ?, 0)').run(id, record.serialize())
  }

  override async getPreKey (id: number): Promise<PreKeyRecord> {
    const row = this.db.statement('SELECT record FROM signal_prekeys WHERE id = ?').get(id) as RecordRow | undefined
    if (row == null) throw new Error(`no one-time prekey ${id}`)
    return PreKeyRecord.deserialize(bytes(row.record))
  }

  override async removePreKey (id: number): Promise<void> {
    this.db.statement('DELETE FROM signal_prekeys WHERE id = ?').run(id)
  }
}

export class SqlSignedPreKeyStore extends SignedPreKeyStore {
  constructor (private readonly db: ParleyDatabase) { super() }

  override async saveSignedPreKey (id: number, record: SignedPreKeyRecord): Promise<void> {
    this.db.statement('INSERT OR REPLACE INTO signal_signed_prekeys (id, record, created_at) VALUES (?, ?, ?)').run(id, record.serialize(), record.timestamp())
  }

  override async getSignedPreKey (id: number): Promise<SignedPreKeyRecord> {
    const row = this.db.statement('SELECT record FROM signal_signed_prekeys WHERE id = ?').get(id) as RecordRow | undefined
    if (row == null) throw new Error(`no signed prekey ${id}`)
    return SignedPreKeyRecord.deserialize(bytes(row.record))
  }
}

export class SqlKyberPreKeyStore extends KyberPreKeyStore {
  constructor (private readonly db: ParleyDatabase) { super() }

  override async saveKyberPreKey (id: number, record: KyberPreKeyRecord): Promise<void> {
    this.saveKyber(id, record, false)
  }

  saveKyber (id: number, record: KyberPreKeyRecord, lastResort: boolean): void {
    this.db.statement('INSERT OR REPLACE INTO signal_kyber_prekeys (id, record, last_resort, used, created_at) VALUES (?, ?, ?, 0, ?)')
      .run(id, record.serialize(), lastResort ? 1 : 0, record.timestamp())
  }

  override async getKyberPreKey (id: number): Promise<KyberPreKeyRecord> {
    const row = this.db.statement('SELECT record FROM signal_kyber_prekeys WHERE id = ?').get(id) as RecordRow | undefined
    if (row == null) throw new Error(`no Kyber prekey ${id}`)
    return KyberPreKeyRecord.deserialize(bytes(row.record))
  }

  /**
   * One-time Kyber keys are deleted on use. A last-resort key stays, but the
   * same (key, signed prekey, base key) triple must never be accepted twice:
   * that would be a replayed session start.
   */
  override async markKyberPreKeyUsed (id: number, signedPreKeyId: number, baseKey: PublicKey): Promise<void> {
    const row = this.db.statement('SELECT last_resort FROM signal_kyber_prekeys WHERE id = ?').get(id) as { last_resort: number } | undefined
    if (row == null) throw new Error(`no Kyber prekey ${id}`)
    if (row.last_resort === 0) {
      this.db.statement('DELETE FROM signal_kyber_prekeys WHERE id = ?').run(id)
      return
    }
    const result = this.db.statement('INSERT OR IGNORE INTO signal_kyber_base_keys (kyber_prekey_id, signed_prekey_id, base_key) VALUES (?, ?, ?)')
      .run(id, signedPreKeyId, baseKey.serialize())
    if (result.changes === 0) throw new Error('replayed session start: this base key already used the last-resort Kyber prekey')
  }
}

export class SqlSenderKeyStore extends SenderKeyStore {
  constructor (private readonly db: ParleyDatabase) { super() }

  override async saveSenderKey (sender: ProtocolAddress, distributionId: Uuid, record: SenderKeyRecord): Promise<void> {
    this.db.statement('INSERT OR REPLACE INTO signal_sender_keys (address, distribution_id, record) VALUES (?, ?, ?)')
      .run(addressKey(sender), distributionId, record.serialize())
  }

  override async getSenderKey (sender: ProtocolAddress, distributionId: Uuid): Promise<SenderKeyRecord | null> {
    const row = this.db.statement('SELECT record FROM signal_sender_keys WHERE address = ? AND distribution_id = ?').get(addressKey(sender), distributionId) as RecordRow | undefined
    return row == null ? null : SenderKeyRecord.deserialize(bytes(row.record))
  }
}

/** All of libsignal's stores for one device, over one database. */
export interface SignalStores {
  sessions: SqlSessionStore
  identities: SqlIdentityKeyStore
  prekeys: SqlPreKeyStore
  signedPrekeys: SqlSignedPreKeyStore
  kyberPrekeys: SqlKyberPreKeyStore
  senderKeys: SqlSenderKeyStore
}

export function createSignalStores (db: ParleyDatabase, identity: DeviceIdentity): SignalStores {
  return {
    sessions: new SqlSessionStore(db),
    identities: new SqlIdentityKeyStore(db, identity),
    prekeys: new SqlPreKeyStore(db),
    signedPrekeys: new SqlSignedPreKeyStore(db),
    kyberPrekeys: new SqlKyberPreKeyStore(db),
    senderKeys: new SqlSenderKeyStore(db)
  }
}

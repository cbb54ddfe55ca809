import type { Migration } from './index.js'

/** Identity, contacts, 1:1 conversations, messages, the outbox, libsignal state and libp2p's datastore. */
export const migration001Initial: Migration = {
  version: 1,
  name: 'initial',
  up (sql) {
    sql.exec(`
      -- The device's identity: exactly one row.
      CREATE TABLE identity (
        id INTEGER PRIMARY KEY CHECK (id = 1),
        peer_private_key BLOB NOT NULL,          -- libp2p Ed25519 key, protobuf-encoded
        signal_identity_key_pair BLOB NOT NULL,  -- libsignal IdentityKeyPair, serialised
        registration_id INTEGER NOT NULL,
        binding_signature BLOB NOT NULL,         -- peer key's signature over the libsignal identity key
        display_name TEXT NOT NULL DEFAULT '',
        created_at INTEGER NOT NULL
      ) STRICT;

      CREATE TABLE contacts (
        peer_id TEXT PRIMARY KEY,
        name TEXT NOT NULL,
        identity_key BLOB NOT NULL,              -- the libsignal identity key we trust for this peer
        identity_changed INTEGER NOT NULL DEFAULT 0, -- the peer presented a different key; sending paused until accepted
        pending_identity_key BLOB,               -- that different key, once known from a verified bundle
        verified INTEGER NOT NULL DEFAULT 0,
        state TEXT NOT NULL CHECK (state IN ('accepted', 'request')),
        relay_addrs TEXT NOT NULL DEFAULT '[]',  -- JSON array of multiaddrs from the invite
        created_at INTEGER NOT NULL
      ) STRICT;

      CREATE TABLE conversations (
        id TEXT PRIMARY KEY,                     -- hex, derived from both PeerIds
        peer_id TEXT NOT NULL UNIQUE REFERENCES contacts(peer_id) ON DELETE CASCADE,
        next_seq INTEGER NOT NULL DEFAULT 1,     -- our next sequence number in it
        last_hash BLOB,                          -- hash of our last Content in it
        created_at INTEGER NOT NULL
      ) STRICT;

      CREATE TABLE messages (
        id TEXT PRIMARY KEY,                     -- hex of the 16-byte message id
        conversation_id TEXT NOT NULL REFERENCES conversations(id) ON DELETE CASCADE,
        sender TEXT NOT NULL,                    -- PeerId of the author
        outgoing INTEGER NOT NULL,
        seq INTEGER NOT NULL,
        prev_hash BLOB NOT NULL,
        content_hash BLOB NOT NULL,
        content BLOB NOT NULL,                   -- the serialised Content, as signed into the hash chain
        body_text TEXT NOT NULL,
        sent_at INTEGER NOT NULL,
        received_at INTEGER,
        status TEXT NOT NULL CHECK (status IN ('queued', 'sent', 'delivered', 'failed', 'received')),
        error TEXT
      ) STRICT;
      CREATE INDEX messages_by_conversation ON messages(conversation_id, sent_at, id);
      CREATE UNIQUE INDEX messages_by_sender_seq ON messages(conversation_id, sender, seq);

      -- Outgoing messages not yet acknowledged. The ciphertext is kept once
      -- made, so a retry resends the same bytes and the ratchet moves once.
      CREATE TABLE outbox (
        message_id TEXT PRIMARY KEY REFERENCES messages(id) ON DELETE CASCADE,
        peer_id TEXT NOT NULL,
        seq INTEGER NOT NULL,
        ciphertext BLOB,
        ciphertext_type INTEGER,
        attempts INTEGER NOT NULL DEFAULT 0,
        last_error TEXT
      ) STRICT;
      CREATE INDEX outbox_by_peer ON outbox(peer_id, seq);
      -- Finds a peer's not-yet-encrypted messages without reading ciphertext blobs.
      CREATE INDEX outbox_unencrypted ON outbox(peer_id) WHERE ciphertext IS NULL;

      CREATE TABLE signal_sessions (address TEXT PRIMARY KEY, record BLOB NOT NULL) STRICT;
      CREATE TABLE signal_identities (address TEXT PRIMARY KEY, identity_key BLOB NOT NULL) STRICT;
      CREATE TABLE signal_prekeys (
        id INTEGER PRIMARY KEY,
        record BLOB NOT NULL,
        handed_out INTEGER NOT NULL DEFAULT 0    -- given to a peer; never given to another
      ) STRICT;
      CREATE TABLE signal_signed_prekeys (id INTEGER PRIMARY KEY, record BLOB NOT NULL, created_at INTEGER NOT NULL) STRICT;
      CREATE TABLE signal_kyber_prekeys (
        id INTEGER PRIMARY KEY,
        record BLOB NOT NULL,
        last_resort INTEGER NOT NULL,
        used INTEGER NOT NULL DEFAULT 0,
        created_at INTEGER NOT NULL
      ) STRICT;
      CREATE TABLE signal_kyber_base_keys (  -- a last-resort Kyber key may not be reused with the same base key
        kyber_prekey_id INTEGER NOT NULL,
        signed_prekey_id INTEGER NOT NULL,
        base_key BLOB NOT NULL,
        PRIMARY KEY (kyber_prekey_id, signed_prekey_id, base_key)
      ) STRICT;
      CREATE TABLE signal_sender_keys (
        address TEXT NOT NULL,
        distribution_id TEXT NOT NULL,
        record BLOB NOT NULL,
        PRIMARY KEY (address, distribution_id)
      ) STRICT;

      -- libp2p's datastore (peer store: addresses learned survive restarts).
      CREATE TABLE datastore (key TEXT PRIMARY KEY, value BLOB NOT NULL) STRICT;
    `)
  }
}

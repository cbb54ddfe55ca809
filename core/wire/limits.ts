/**
 * Every size and count limit of the wire protocol, in one place. Each has a
 * test that crosses it (test/unit/wire/limits.test.ts and the integration
 * tests). Raising one is a protocol change:
 * old peers reject what they consider oversize.
 */

/** Largest length-prefixed frame on any Parley stream (protocol.md). */
export const MAX_FRAME_BYTES = 64 * 1024

/** Largest message text, in UTF-8 bytes; leaves room for PQXDH's Kyber ciphertext within a frame. */
export const MAX_TEXT_BYTES = 32 * 1024

/** Message ids are 16 random bytes. */
export const MESSAGE_ID_BYTES = 16

/** Conversation ids are 16 bytes (see `conversationIdFor` in chat/content.ts). */
export const CONVERSATION_ID_BYTES = 16

/** SHA-256 output, used for the per-sender hash chain. */
export const HASH_BYTES = 32

/** Longest invite code, in characters: short enough for a small QR code. */
export const MAX_INVITE_CHARS = 400

/** Relay addresses an invite may carry. */
export const MAX_INVITE_RELAYS = 4

/** Longest relay multiaddr accepted from an invite, in bytes. */
export const MAX_MULTIADDR_BYTES = 256

/** Envelopes in flight on one stream before the sender waits for acks. */
export const MAX_UNACKED_ENVELOPES = 256

/** How long a dialler waits for a reply frame before giving up on the stream. */
export const FRAME_TIMEOUT_MS = 10_000

/**
 * Once a frame's first bytes arrive, the rest must arrive within this long,
 * or the reader resets the stream: a peer dribbling a byte at a time cannot
 * hold a stream (and its handler) open.
 */
export const FRAME_READ_TIMEOUT_MS = 10_000

/** A listener resets a stream on which the remote sends nothing for this long. */
export const IDLE_STREAM_TIMEOUT_MS = 30_000

/** `/parley/msg` streams one connection may have open at once; a sender needs one at a time. */
export const MAX_INBOUND_MESSAGE_STREAMS = 4

/** `/parley/prekeys` streams one connection may have open at once; each lives for one request. */
export const MAX_INBOUND_PREKEY_STREAMS = 2

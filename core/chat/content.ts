import { sha256 } from '@noble/hashes/sha2.js'
import { bytes, concatBytes, equalBytes } from '../bytes.js'
import { Content } from '../wire/parley.js'
import { CONVERSATION_ID_BYTES, HASH_BYTES, MAX_TEXT_BYTES, MESSAGE_ID_BYTES } from '../wire/limits.js'
import type { PeerId } from '@libp2p/interface'

const CONVERSATION_CONTEXT = new TextEncoder().encode('parley conversation v1\0')

/** The hash chain starts from 32 zero bytes. */
export const GENESIS_HASH = new Uint8Array(HASH_BYTES)

/** Both sides of a 1:1 conversation derive the same id from the two PeerIds. */
export function conversationIdFor (a: PeerId, b: PeerId): Uint8Array<ArrayBuffer> {
  const [first, second] = [a.toMultihash().bytes, b.toMultihash().bytes].sort((x, y) => Buffer.compare(x, y))
  return bytes(sha256(concatBytes(CONVERSATION_CONTEXT, first, second)).slice(0, CONVERSATION_ID_BYTES))
}

export function contentHash (encodedContent: Uint8Array): Uint8Array<ArrayBuffer> {
  return bytes(sha256(encodedContent))
}

export function textByteLength (text: string): number {
  return Buffer.byteLength(text, 'utf8')
}

/**
 * Checks a decrypted Content against the envelope it came in and the
 * conversation it must belong to. Returns the reason it is unacceptable,
 * or undefined when it is fine.
 */
export function contentProblem (content: Content, envelopeId: Uint8Array, expectedConversation: Uint8Array): string | undefined {
  if (content.messageId.length !== MESSAGE_ID_BYTES || !equalBytes(content.messageId, envelopeId)) return 'the message id inside does not match the envelope'
  if (!equalBytes(content.conversationId, expectedConversation)) return 'the message belongs to another conversation'
  if (content.seq < 1n || content.seq > BigInt(Number.MAX_SAFE_INTEGER)) return 'the sequence number is out of range'
  if (content.prevHash.length !== HASH_BYTES) return 'the previous-message hash has the wrong length'
  if (content.timestamp > BigInt(Number.MAX_SAFE_INTEGER)) return 'the timestamp is out of range'
  if (content.text == null) return 'the message has no body this version understands'
  if (content.text.text.length === 0) return 'the message text is empty'
  if (textByteLength(content.text.text) > MAX_TEXT_BYTES) return `the text is longer than ${MAX_TEXT_BYTES} bytes`
  return undefined
}

/** Decodes a Content; throws on malformed bytes. Sizes are bounded by the frame limit and checked by `contentProblem`. */
export function decodeContent (plaintext: Uint8Array): Content {
  return Content.decode(plaintext)
}

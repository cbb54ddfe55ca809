import { z } from 'zod'
import { messageTextProblem, nameProblem } from './text-rules.js'

/**
 * The API contract: every method the engine offers and every event it
 * announces, as runtime schemas. The Electron renderer, the daemon's
 * WebSocket clients (CLI, browser UI) and tests all speak exactly this; the
 * host validates every call's params against it, the client every result.
 *
 * Everything here is plain JSON (no bytes, no Dates), so both transports
 * carry the same text.
 */

// ── building blocks ──────────────────────────────────────────────────────────

/** A libp2p PeerId as text: base58btc (`12D3KooW…`, `Qm…`). */
export const peerIdSchema = z.string().regex(/^[1-9A-HJ-NP-Za-km-z]{40,100}$/, 'not a PeerId')

/** Display names and contact names, trimmed: one line of visible text (text-rules.ts). */
export const nameSchema = z.string().trim().superRefine((name, ctx) => {
  const problem = nameProblem(name)
  if (problem != null) ctx.addIssue({ code: 'custom', message: problem })
})

/** Message text as typed: something visible, no control characters but tab and newline, at most MAX_TEXT_BYTES of UTF-8. */
export const messageTextSchema = z.string().superRefine((text, ctx) => {
  const problem = messageTextProblem(text)
  if (problem != null) ctx.addIssue({ code: 'custom', message: problem })
})

/** Longest search query, in characters; the search box stops there. */
export const MAX_SEARCH_CHARS = 200

/** A multiaddr as text; the engine parses it further. */
export const multiaddrSchema = z.string().min(2).max(512).startsWith('/', 'a multiaddr starts with "/"')

/** 16-byte message ids as lowercase hex. */
export const messageIdSchema = z.string().regex(/^[0-9a-f]{32}$/, 'not a message id')

/** A libsignal identity public key (33 bytes) as base64: what `acceptIdentityChange` takes back. */
export const identityKeySchema = z.string().regex(/^[A-Za-z0-9+/]{44}$/, 'not an identity key (33 bytes as base64)')

/** A safety number: 60 digits to compare, and the bytes a QR code carries (base64). */
const safetyNumberSchema = z.object({ digits: z.string().regex(/^[0-9]{60}$/), scannable: z.string() })

export const contactSchema = z.object({
  peerId: peerIdSchema,
  name: z.string(),
  verified: z.boolean(),
  /** The contact's identity key changed: nothing is sent until the user accepts it. */
  identityChanged: z.boolean(),
  /**
   * The new identity key, once learned from the contact's verified bundle or
   * invite; while `identityChanged` and this is absent, there is nothing to
   * accept yet (the engine fetches it while the contact is online).
   */
  pendingIdentityKey: identityKeySchema.optional(),
  /** `request`: a stranger who wrote first and has not been accepted. */
  state: z.enum(['accepted', 'request']),
  relays: z.array(z.string()),
  createdAt: z.number().int()
})
export type Contact = z.infer<typeof contactSchema>

export const messageStatusSchema = z.enum(['queued', 'sent', 'delivered', 'failed', 'received'])
export type MessageStatus = z.infer<typeof messageStatusSchema>

export const messageSchema = z.object({
  id: messageIdSchema,
  conversationId: z.string(),
  /** The contact this conversation is with. */
  peerId: peerIdSchema,
  /** PeerId of the author: ours for outgoing messages. */
  sender: peerIdSchema,
  outgoing: z.boolean(),
  seq: z.number().int(),
  text: z.string(),
  sentAt: z.number().int(),
  receivedAt: z.number().int().optional(),
  status: messageStatusSchema,
  error: z.string().optional(),
  unread: z.boolean()
})
export type Message = z.infer<typeof messageSchema>

export const conversationSchema = z.object({
  peerId: peerIdSchema,
  name: z.string(),
  state: z.enum(['accepted', 'request']),
  verified: z.boolean(),
  identityChanged: z.boolean(),
  lastMessage: messageSchema.optional(),
  unread: z.number().int().nonnegative(),
  lastActivity: z.number().int()
})
export type ConversationSummary = z.infer<typeof conversationSchema>

export const networkStatusSchema = z.object({
  peerId: peerIdSchema,
  listenAddresses: z.array(z.string()),
  connections: z.array(z.object({
    peerId: z.string(),
    address: z.string(),
    direction: z.enum(['inbound', 'outbound']),
    /** A relayed connection with data and time limits. */
    limited: z.boolean()
  })),
  /** PeerIds of the relays that hold a reservation for us. */
  relayReservations: z.array(z.string()),
  /**
   * How others can reach us: `public` (a public address of our own),
   * `relayed` (only through a relay), `private` (LAN or loopback only),
   * `unknown` (not listening yet).
   */
  nat: z.enum(['public', 'relayed', 'private', 'unknown']),
  dhtRoutingTableSize: z.number().int().nonnegative()
})
export type NetworkStatus = z.infer<typeof networkStatusSchema>

export const settingsSchema = z.object({
  displayName: z.string(),
  /** Bootstrap peers (multiaddrs ending in /p2p/<PeerId>); used from the next start, dialled at once. */
  bootstrap: z.array(multiaddrSchema).max(16),
  /** Relays named in our invites; empty means the bootstrap peers. */
  relays: z.array(multiaddrSchema).max(8),
  notifications: z.object({ enabled: z.boolean(), showContent: z.boolean() }),
  theme: z.enum(['system', 'light', 'dark']),
  /** Find and announce to peers on the local network (mDNS). Off by default; it tells every libp2p node on the LAN this device's PeerId. Takes effect at the next start. */
  mdns: z.boolean()
})
export type Settings = z.infer<typeof settingsSchema>

const noParams = z.object({})
const peerParams = z.object({ peerId: peerIdSchema })

// ── the contract ─────────────────────────────────────────────────────────────

export const parleyContract = {
  methods: {
    /** `onboarding` until an identity exists (the UI's first screen), then `ready`. */
    appState: {
      params: noParams,
      result: z.object({ state: z.enum(['onboarding', 'ready']), peerId: peerIdSchema.optional() })
    },
    /** Onboarding: make this device's identity and start the node. */
    createIdentity: {
      params: z.object({ displayName: nameSchema }),
      result: z.object({ peerId: peerIdSchema })
    },
    whoami: {
      params: noParams,
      result: z.object({ peerId: peerIdSchema, displayName: z.string(), createdAt: z.number().int() })
    },
    /** A signed invite code (`parley:…`, at most 400 characters) for a link or QR code. */
    invite: {
      params: noParams,
      result: z.object({ code: z.string() })
    },

    addContact: {
      params: z.object({ invite: z.string().min(1).max(400, 'an invite code is at most 400 characters'), name: nameSchema }),
      result: contactSchema
    },
    listContacts: {
      params: noParams,
      result: z.object({ contacts: z.array(contactSchema) })
    },
    renameContact: {
      params: z.object({ peerId: peerIdSchema, name: nameSchema }),
      result: contactSchema
    },
    /** Deletes the contact with its conversation, history, queued messages and session. */
    removeContact: {
      params: peerParams,
      result: z.object({ removed: z.literal(true) })
    },
    /**
     * libsignal's fingerprint of both identity keys: 60 digits to compare, and
     * bytes for a QR code, with the key we trust now. While an identity change
     * is pending and its key is known, `pending` is the number with the new
     * key: the one to compare before accepting `pending.identityKey`.
     */
    safetyNumber: {
      params: peerParams,
      result: safetyNumberSchema.extend({
        verified: z.boolean(),
        pending: safetyNumberSchema.extend({ identityKey: identityKeySchema }).optional()
      })
    },
    markVerified: {
      params: z.object({ peerId: peerIdSchema, verified: z.boolean().default(true) }),
      result: contactSchema
    },
    /**
     * The user compared the new safety number and trusts the contact's new
     * identity key. `identityKey` is the `pending.identityKey` whose number was
     * shown; if the pending key is another one by now, the call fails with
     * `identity_changed` and nothing changes.
     */
    acceptIdentityChange: {
      params: z.object({ peerId: peerIdSchema, identityKey: identityKeySchema }),
      result: contactSchema
    },

    /** Newest activity first. */
    listConversations: {
      params: noParams,
      result: z.object({ conversations: z.array(conversationSchema) })
    },
    /** A page of history, newest first; pass `nextCursor` back as `before` for older messages. */
    messages: {
      params: z.object({
        peerId: peerIdSchema,
        limit: z.number().int().min(1).max(200).default(50),
        before: z.string().max(64).optional()
      }),
      result: z.object({ messages: z.array(messageSchema), nextCursor: z.string().optional() })
    },
    /** Stores and queues the message; `messageStatus` events follow. */
    send: {
      params: z.object({ peerId: peerIdSchema, text: messageTextSchema }),
      result: messageSchema
    },
    markRead: {
      params: peerParams,
      result: z.object({ marked: z.number().int().nonnegative() })
    },
    /** Full-text search over all history; the query is plain words, the last one a prefix. */
    search: {
      params: z.object({ query: z.string().max(MAX_SEARCH_CHARS, `a search is at most ${MAX_SEARCH_CHARS} characters`), limit: z.number().int().min(1).max(100).default(20) }),
      result: z.object({ results: z.array(z.object({ message: messageSchema, snippet: z.string() })) })
    },

    status: {
      params: noParams,
      result: networkStatusSchema
    },
    getSettings: {
      params: noParams,
      result: settingsSchema
    },
    /** Changes only the fields given; returns all settings. */
    setSettings: {
      params: settingsSchema.extend({ displayName: nameSchema }).partial(),
      result: settingsSchema
    }
  },
  events: {
    /** A message was stored: one we sent, or one that arrived. */
    message: messageSchema,
    messageStatus: z.object({ id: messageIdSchema, peerId: peerIdSchema, status: messageStatusSchema, error: z.string().optional() }),
    /** A contact was added or changed (name, verification, identity change, a stranger's request). */
    contact: contactSchema,
    contactRemoved: z.object({ peerId: peerIdSchema }),
    /** Connections, reservations or addresses changed (at most about once a second). */
    network: networkStatusSchema,
    /** Onboarding finished: the identity exists and the node runs. */
    appState: z.object({ state: z.enum(['onboarding', 'ready']), peerId: peerIdSchema.optional() })
  }
} as const

export type ParleyContract = typeof parleyContract
export type ParleyMethod = keyof ParleyContract['methods']
export type ParleyEvent = keyof ParleyContract['events']

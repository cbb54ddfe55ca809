import { withDeadline } from '../deadline.js'
import { errorMessage } from '../errors.js'
import { connectToPeer } from '../net/reach.js'
import type { ParleyNode } from '../net/presets.js'
import type { Contact, ContactsRepository } from '../store/contacts-repo.js'
import type { Logger } from '@libp2p/interface'

/** A contact with a message either way within this window counts as recently in touch. */
export const PRESENCE_RECENT_MS = 14 * 24 * 60 * 60 * 1000

/** Each presence dial waits a random time up to this after start, so start-up is not one burst that names every peer. */
export const PRESENCE_JITTER_MS = 30_000

/**
 * Contacts in touch within this window are the ones most likely to hold
 * messages for us (a conversation under way, a laptop just reopened), so
 * their dial waits only up to PRESENCE_ACTIVE_JITTER_MS: what they queued
 * arrives within seconds of a restart, not half a minute.
 */
export const PRESENCE_ACTIVE_MS = 24 * 60 * 60 * 1000
export const PRESENCE_ACTIVE_JITTER_MS = 2_000

/** How long one presence dial may take. */
export const PRESENCE_DIAL_TIMEOUT_MS = 10_000

export interface PresenceComponents {
  node: ParleyNode
  contacts: ContactsRepository
  log: Logger
  /** Upper bound of the random delay before every dial, for tests; else by how recent the contact's traffic is. */
  jitterMs?: number
}

/**
 * Tells some contacts, once per start, that we are online: a contact holding
 * messages for us sees the connection and sends them. Every dial tells the
 * peer we are online and, through a relay or a DHT lookup, tells others whom
 * we know, so only accepted contacts with queued or recent traffic are
 * dialled; never a message request (a stranger), never a contact we have
 * not talked to lately. The outbox reaches peers we have messages for anyway.
 */
export class PresenceService {
  private readonly controller = new AbortController()
  private readonly timers = new Set<ReturnType<typeof setTimeout>>()

  constructor (private readonly c: PresenceComponents) {}

  start (now = Date.now()): void {
    const active = new Set(this.c.contacts.inTouchSince(now - PRESENCE_ACTIVE_MS).map(contact => contact.peerId))
    for (const contact of this.c.contacts.inTouchSince(now - PRESENCE_RECENT_MS)) {
      const jitterMs = this.c.jitterMs ?? (active.has(contact.peerId) ? PRESENCE_ACTIVE_JITTER_MS : PRESENCE_JITTER_MS)
      const timer = setTimeout(() => {
        this.timers.delete(timer)
        void this.dial(contact)
      }, Math.random() * jitterMs)
      this.timers.add(timer)
    }
  }

  stop (): void {
    this.controller.abort(new Error('the engine is stopping'))
    for (const timer of this.timers) clearTimeout(timer)
    this.timers.clear()
  }

  private async dial (contact: Contact): Promise<void> {
    try {
      await withDeadline(PRESENCE_DIAL_TIMEOUT_MS, `a presence dial to ${contact.peerId}`, this.controller.signal, async signal => await connectToPeer(this.c.node, contact.peerId, contact.relays, { signal }))
    } catch (err) {
      if (!this.controller.signal.aborted) this.c.log('presence dial to %s failed: %s', contact.peerId, errorMessage(err))
    }
  }
}

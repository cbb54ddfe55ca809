import { NOTIFICATION_BODY_MAX, NOTIFICATION_TITLE_MAX } from './control-protocol.js'
import type { EngineToMain } from './control-protocol.js'

/** What the reporter needs from the engine; engine-host.ts adapts the real one. */
export interface UnreadSource {
  /** Calls `listener` for every message the engine stores, sent or received. */
  onMessage: (listener: (message: { peerId: string, outgoing: boolean, text: string }) => void) => () => void
  unreadTotal: () => number
  notificationSettings: () => { enabled: boolean, showContent: boolean }
  /** The contact's name when it is an accepted contact; undefined for strangers' message requests. */
  contactName: (peerId: string) => string | undefined
}

/** Reading a conversation raises no engine event, so the total is also re-read this often. */
export const UNREAD_POLL_MS = 2000

/**
 * Tells main the unread total (for the tray) and when to notify. The text is
 * decided here, inside the engine: unless the user turned on "show content",
 * a notification says only that a message arrived, not who sent it or what
 * it says. Main never sees more than this.
 */
export function startUnreadReporter (source: UnreadSource, post: (message: EngineToMain) => void, pollMs = UNREAD_POLL_MS): () => void {
  let last = -1
  const report = (notify?: { title: string, body?: string }): void => {
    const unread = source.unreadTotal()
    if (unread === last && notify == null) return
    last = unread
    post(notify == null ? { type: 'unread', unread } : { type: 'unread', unread, notify })
  }
  const off = source.onMessage(message => {
    if (message.outgoing) return
    report(notificationFor(message, source))
  })
  const timer = setInterval(() => {
    try { report() } catch { /* the engine is closing; nothing left to report */ }
  }, pollMs)
  timer.unref?.()
  report()
  return () => {
    off()
    clearInterval(timer)
  }
}

export function notificationFor (message: { peerId: string, text: string }, source: Pick<UnreadSource, 'notificationSettings' | 'contactName'>): { title: string, body?: string } | undefined {
  const settings = source.notificationSettings()
  const name = source.contactName(message.peerId)
  // Strangers' message requests wait in the list; they do not get to ring.
  if (!settings.enabled || name == null) return undefined
  if (!settings.showContent) return { title: 'New message' }
  return { title: clip(name, NOTIFICATION_TITLE_MAX), body: clip(message.text, NOTIFICATION_BODY_MAX) }
}

/** Control and bidi-override characters could disguise a name in a system notification. */
// eslint-disable-next-line no-control-regex -- matching control characters is the point
const UNSAFE_CHARS = /[\u0000-\u001f\u007f-\u009f\u202a-\u202e\u2066-\u2069]/g

/** One line, at most `max` UTF-16 units (what the schema counts), never splitting a character. */
export function clip (text: string, max: number): string {
  const flat = text.replace(UNSAFE_CHARS, ' ').replace(/\s+/g, ' ').trim()
  if (flat === '') return '…'
  if (flat.length <= max) return flat
  let out = ''
  for (const char of flat) {
    if (out.length + char.length > max - 1) break
    out += char
  }
  return `${out}…`
}

import { Notification } from 'electron'

/** Notifications stay referenced until closed: an unreferenced one can lose its click handler to the GC. */
const live = new Set<Notification>()
/** Some Linux notification daemons never report `close`; past this many, the oldest goes. */
const MAX_LIVE = 20

/**
 * Shows a new-message notification. Its text was decided in the engine
 * according to the user's setting; main adds nothing and logs nothing.
 */
export function notifyNewMessage (content: { title: string, body?: string }, onClick: () => void): void {
  if (!Notification.isSupported()) return
  const notification = new Notification({ title: content.title, body: content.body ?? '', silent: false })
  for (const old of live) {
    if (live.size < MAX_LIVE) break
    old.close()
    live.delete(old)
  }
  live.add(notification)
  notification.on('click', onClick)
  notification.on('close', () => { live.delete(notification) })
  notification.show()
}

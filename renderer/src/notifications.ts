import { displayText } from './bidi.js'
import type { Settings } from '../../core/api/contract.js'

/** Whether this page may show notifications now, without asking. */
export function notificationPermission (): NotificationPermission | 'unsupported' {
  return typeof Notification === 'undefined' ? 'unsupported' : Notification.permission
}

/** Asks for permission when the user turns notifications on (browsers allow asking only after a click). */
export async function requestNotificationPermission (): Promise<NotificationPermission | 'unsupported'> {
  if (typeof Notification === 'undefined') return 'unsupported'
  if (Notification.permission !== 'default') return Notification.permission
  return await Notification.requestPermission()
}

interface IncomingNotice {
  senderName: string
  text: string
  settings: Settings['notifications']
  onClick: () => void
}

/** Shows a system notification for an incoming message, if the user wants them and the system allows. */
export function notifyIncoming ({ senderName, text, settings, onClick }: IncomingNotice): void {
  if (!settings.enabled || typeof Notification === 'undefined' || Notification.permission !== 'granted') return
  // Without content, the notification names the sender only: nothing private on the lock screen.
  // Title and body are the name and the text alone, so nothing of ours surrounds them: no formatting characters is enough.
  const notification = new Notification(displayText(senderName), { body: settings.showContent ? displayText(text) : 'New message', silent: false })
  notification.addEventListener('click', () => {
    window.focus()
    onClick()
  })
}

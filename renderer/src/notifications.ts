import type { Settings } from '../../core/api/contract.js'

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
  const notification = new Notification(senderName, { body: settings.showContent ? text : 'New message', silent: false })
  notification.addEventListener('click', () => {
    window.focus()
    onClick()
  })
}

import { useRpcEvent } from '../client.js'
import { notifyIncoming } from '../notifications.js'
import type { Settings } from '../../../core/api/contract.js'

interface Options {
  settings: Settings | null
  /** The conversation on screen, if any. */
  openPeerId: string | undefined
  nameOf: (peerId: string) => string
  onOpen: (peerId: string) => void
}

/** A system notification for each incoming message the user is not already looking at. */
export function useIncomingNotifications ({ settings, openPeerId, nameOf, onOpen }: Options): void {
  useRpcEvent('message', message => {
    if (message.outgoing || settings == null) return
    const lookingAtIt = document.visibilityState === 'visible' && document.hasFocus() && openPeerId === message.peerId
    if (lookingAtIt) return
    notifyIncoming({ senderName: nameOf(message.peerId), text: message.text, settings: settings.notifications, onClick: () => { onOpen(message.peerId) } })
  })
}

import { useEffect, useRef } from 'react'
import { useClient } from '../client.js'

/**
 * Marks a conversation read while it is open and the window is visible: at
 * once, when new unread messages arrive, and when the window comes back into
 * view. A failure is not shown: the messages simply stay unread and the next
 * change tries again.
 */
export function useMarkRead (peerId: string, hasUnread: boolean, onMarked: () => void): void {
  const client = useClient()
  const latestOnMarked = useRef(onMarked)
  useEffect(() => { latestOnMarked.current = onMarked })

  useEffect(() => {
    if (!hasUnread) return
    let inFlight = false
    const markIfVisible = (): void => {
      if (document.visibilityState !== 'visible' || inFlight) return
      inFlight = true
      client.call('markRead', { peerId }).then(() => { latestOnMarked.current() }, () => {}).finally(() => { inFlight = false })
    }
    markIfVisible()
    document.addEventListener('visibilitychange', markIfVisible)
    return () => { document.removeEventListener('visibilitychange', markIfVisible) }
  }, [client, peerId, hasUnread])
}

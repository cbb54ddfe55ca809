import { useCallback, useEffect, useRef, useState } from 'react'
import { useClient, useRpcEvent } from '../client.js'
import { describeError } from '../errors.js'
import type { ConversationSummary } from '../../../core/api/contract.js'

/** Bursts of events (a mailbox delivering twenty messages) reload the list once. */
const RELOAD_DELAY_MS = 150

export interface Conversations {
  /** Newest activity first; null until the first load. */
  conversations: ConversationSummary[] | null
  error: string | null
  reload: () => void
  /** Shows a conversation as read at once, before the engine confirms. */
  clearUnread: (peerId: string) => void
}

export function useConversations (): Conversations {
  const client = useClient()
  const [conversations, setConversations] = useState<ConversationSummary[] | null>(null)
  const [error, setError] = useState<string | null>(null)
  const timer = useRef<ReturnType<typeof setTimeout> | undefined>(undefined)
  const generation = useRef(0)

  const loadNow = useCallback(() => {
    // Only the newest answer counts: an older one may finish last.
    const mine = ++generation.current
    client.call('listConversations').then(result => {
      if (mine !== generation.current) return
      setConversations(result.conversations)
      setError(null)
    }, (err: unknown) => {
      if (mine === generation.current) setError(describeError(err))
    })
  }, [client])

  const reload = useCallback(() => {
    clearTimeout(timer.current)
    timer.current = setTimeout(loadNow, RELOAD_DELAY_MS)
  }, [loadNow])

  useEffect(() => {
    loadNow()
    return () => { clearTimeout(timer.current) }
  }, [loadNow])

  useRpcEvent('message', reload)
  useRpcEvent('contact', reload)
  useRpcEvent('contactRemoved', ({ peerId }) => {
    setConversations(list => list?.filter(c => c.peerId !== peerId) ?? null)
    reload()
  })

  const clearUnread = useCallback((peerId: string) => {
    setConversations(list => list?.map(c => c.peerId === peerId ? { ...c, unread: 0 } : c) ?? null)
  }, [])

  return { conversations, error, reload, clearUnread }
}

import { useCallback, useEffect, useRef, useState } from 'react'
import { useClient, useRpcEvent } from '../client.js'
import { describeError } from '../errors.js'
import type { Message, MessageStatus } from '../../../core/api/contract.js'

/** Messages per page of history. */
export const HISTORY_PAGE_SIZE = 50

export interface MessageHistory {
  /** Oldest first, the order they are shown in. */
  messages: Message[]
  /** The first page has arrived. */
  loaded: boolean
  /** Older messages exist that are not loaded yet. */
  hasOlder: boolean
  loadingOlder: boolean
  error: string | null
  loadOlder: () => void
  /** Adds a message a call returned (`send`), before its event arrives. */
  add: (message: Message) => void
  /** Marks the loaded incoming messages read, after `markRead` succeeded. */
  markAllRead: () => void
}

/** How far along a message is; a late, older copy of a message must not move it back. */
const STATUS_PROGRESS: Record<MessageStatus, number> = { queued: 0, sent: 1, failed: 1, delivered: 2, received: 0 }

/** Inserts or updates by id, keeping the furthest status. */
function upsert (messages: Message[], message: Message): Message[] {
  const index = messages.findIndex(m => m.id === message.id)
  if (index === -1) return [...messages, message]
  const known = messages[index]
  const merged = STATUS_PROGRESS[known.status] > STATUS_PROGRESS[message.status]
    ? { ...message, status: known.status, error: known.error }
    : message
  return messages.with(index, merged)
}

/** Prepends an older page (given newest first), skipping any already shown. */
function prependPage (messages: Message[], pageNewestFirst: Message[]): Message[] {
  const known = new Set(messages.map(m => m.id))
  const older = pageNewestFirst.filter(m => !known.has(m.id)).reverse()
  return [...older, ...messages]
}

/**
 * One conversation's history: the newest page first, older pages on demand
 * (`messages` + `nextCursor`), kept live by `message` and `messageStatus`
 * events. Messages are deduplicated by id.
 */
export function useMessages (peerId: string): MessageHistory {
  const client = useClient()
  const [messages, setMessages] = useState<Message[]>([])
  const [loaded, setLoaded] = useState(false)
  const [cursor, setCursor] = useState<string | undefined>(undefined)
  const [loadingOlder, setLoadingOlder] = useState(false)
  const [error, setError] = useState<string | null>(null)
  // A ref, not state: two scroll events in one frame must not start two loads.
  const loadingRef = useRef(false)

  useEffect(() => {
    let current = true
    setMessages([])
    setLoaded(false)
    setCursor(undefined)
    setError(null)
    client.call('messages', { peerId, limit: HISTORY_PAGE_SIZE }).then(page => {
      if (!current) return
      // Events that arrived while loading are newer than the page: keep them after it.
      setMessages(live => prependPage(live, page.messages))
      setCursor(page.nextCursor)
      setLoaded(true)
    }, (err: unknown) => {
      if (current) setError(describeError(err))
    })
    return () => { current = false }
  }, [client, peerId])

  const loadOlder = useCallback(() => {
    if (cursor == null || loadingRef.current) return
    loadingRef.current = true
    setLoadingOlder(true)
    client.call('messages', { peerId, limit: HISTORY_PAGE_SIZE, before: cursor }).then(page => {
      setMessages(shown => prependPage(shown, page.messages))
      setCursor(page.nextCursor)
      setError(null)
    }, (err: unknown) => {
      setError(`Could not load older messages. ${describeError(err)}`)
    }).finally(() => {
      loadingRef.current = false
      setLoadingOlder(false)
    })
  }, [client, peerId, cursor])

  const add = useCallback((message: Message) => {
    if (message.peerId === peerId) setMessages(shown => upsert(shown, message))
  }, [peerId])

  useRpcEvent('message', add)
  useRpcEvent('messageStatus', update => {
    if (update.peerId !== peerId) return
    setMessages(shown => shown.map(m => m.id === update.id ? { ...m, status: update.status, error: update.error } : m))
  })

  const markAllRead = useCallback(() => {
    setMessages(shown => shown.some(m => m.unread) ? shown.map(m => m.unread ? { ...m, unread: false } : m) : shown)
  }, [])

  return { messages, loaded, hasOlder: cursor != null, loadingOlder, error, loadOlder, add, markAllRead }
}

import { useVirtualizer } from '@tanstack/react-virtual'
import { useEffect, useRef } from 'react'
import { dayKey } from '../format.js'
import { MessageItem } from './message-item.js'
import type { Message } from '../../../core/api/contract.js'
import type { RetryState } from './message-item.js'

/** A guess for rows not measured yet; the real height replaces it once rendered. */
const ESTIMATED_ROW_PX = 64
/** Closer than this to the top, the next older page loads. */
const LOAD_OLDER_WITHIN_PX = 400
/** Closer than this to the bottom counts as "reading the newest": new messages keep it in view. */
const AT_END_WITHIN_PX = 48

interface MessageLogProps {
  messages: Message[]
  hasOlder: boolean
  loadingOlder: boolean
  loadOlder: () => void
  retries: ReadonlyMap<string, RetryState>
  onRetry: (message: Message) => void
}

/**
 * The conversation's history, virtualised: only the rows near the viewport
 * exist in the DOM, so years of history scroll smoothly. It stays anchored to
 * the newest message (new ones stay in view while you read the bottom), keeps
 * your place when older pages are added above, and loads them as you near
 * the top.
 */
export function MessageLog ({ messages, hasOlder, loadingOlder, loadOlder, retries, onRetry }: MessageLogProps): React.JSX.Element {
  const scroller = useRef<HTMLDivElement>(null)
  const virtualizer = useVirtualizer({
    count: messages.length,
    getScrollElement: () => scroller.current,
    estimateSize: () => ESTIMATED_ROW_PX,
    getItemKey: index => messages[index].id,
    overscan: 8,
    paddingStart: 12,
    paddingEnd: 12,
    // Chat semantics: prepending keeps the visible message still, appending follows when at the end.
    anchorTo: 'end',
    followOnAppend: true,
    scrollEndThreshold: AT_END_WITHIN_PX
  })

  // Our own new message always comes into view, even when scrolled up.
  const last = messages.at(-1)
  const lastOutgoingId = last?.outgoing === true ? last.id : undefined
  useEffect(() => {
    if (lastOutgoingId != null) virtualizer.scrollToEnd()
  }, [lastOutgoingId, virtualizer])

  // A first page shorter than the window cannot be scrolled: fetch more right away.
  useEffect(() => {
    const element = scroller.current
    if (element != null && hasOlder && !loadingOlder && element.scrollHeight <= element.clientHeight && element.clientHeight > 0) loadOlder()
  }, [hasOlder, loadingOlder, loadOlder, messages.length])

  const onScroll = (): void => {
    const element = scroller.current
    if (element != null && hasOlder && element.scrollTop < LOAD_OLDER_WITHIN_PX) loadOlder()
  }

  const items = virtualizer.getVirtualItems()
  const showJump = messages.length > 0 && !virtualizer.isAtEnd(AT_END_WITHIN_PX)
  return (
    <div className='message-log-frame'>
      {loadingOlder && <p className='log-loading' role='status'>Loading older messages…</p>}
      {/* aria-live off: virtualisation mounts old rows while scrolling, which a live log would read out; new messages are announced separately. */}
      <div ref={scroller} className='message-log' role='log' aria-label='Messages' aria-live='off' tabIndex={0} onScroll={onScroll} data-testid='message-log'>
        <div role='list' className='virtual-list' style={{ height: virtualizer.getTotalSize() }}>
          {items.map(item => {
            const message = messages[item.index]
            const previous = item.index > 0 ? messages[item.index - 1] : undefined
            return (
              <div key={item.key} ref={virtualizer.measureElement} data-index={item.index} className='virtual-row' style={{ transform: `translateY(${item.start}px)` }}>
                <MessageItem
                  message={message}
                  startsDay={previous == null || dayKey(previous.sentAt) !== dayKey(message.sentAt)}
                  retry={retries.get(message.id)}
                  onRetry={onRetry}
                />
              </div>
            )
          })}
        </div>
      </div>
      {showJump && (
        <button type='button' className='jump-to-latest' onClick={() => { virtualizer.scrollToEnd({ behavior: 'smooth' }) }}>
          Jump to latest
        </button>
      )}
    </div>
  )
}

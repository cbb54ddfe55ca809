import { formatDay, formatFull, formatTime } from '../format.js'
import { MessageStatusLabel } from './message-status.js'
import { MessageText } from './message-text.js'
import type { Message } from '../../../core/api/contract.js'

/** What happened to a retry of a failed message. */
export type RetryState = { state: 'pending' } | { state: 'done' } | { state: 'failed', error: string }

interface MessageItemProps {
  message: Message
  /** This is the first message of its day: show the date above it. */
  startsDay: boolean
  retry: RetryState | undefined
  onRetry: (message: Message) => void
}

export function MessageItem ({ message, startsDay, retry, onRetry }: MessageItemProps): React.JSX.Element {
  const direction = message.outgoing ? 'outgoing' : 'incoming'
  return (
    <div role='listitem' className={`message ${direction}`} data-message-id={message.id}>
      {startsDay && <DaySeparator timestamp={message.sentAt} />}
      <div className='bubble'>
        <p className='message-text' dir='auto'><MessageText text={message.text} /></p>
        <p className='message-meta'>
          <time dateTime={new Date(message.sentAt).toISOString()} title={formatFull(message.sentAt)}>{formatTime(message.sentAt)}</time>
          {message.status !== 'received' && <MessageStatusLabel status={message.status} />}
        </p>
      </div>
      {message.status === 'failed' && <FailedMessageNote message={message} retry={retry} onRetry={onRetry} />}
    </div>
  )
}

/**
 * The day's date above its first message. Part of that message's list item,
 * so the list holds nothing but messages.
 */
function DaySeparator ({ timestamp }: { timestamp: number }): React.JSX.Element {
  return (
    <p className='day-separator'>
      <time dateTime={new Date(timestamp).toISOString().slice(0, 10)}>{formatDay(timestamp)}</time>
    </p>
  )
}

/**
 * Why a message failed, and a retry. The API has no retry call, so a retry
 * sends the same text again as a new message; we say so instead of pretending.
 */
function FailedMessageNote ({ message, retry, onRetry }: { message: Message, retry: RetryState | undefined, onRetry: (message: Message) => void }): React.JSX.Element {
  const reason = message.error != null && message.error !== '' ? `Not delivered: ${message.error}.` : 'Not delivered.'
  if (retry?.state === 'done') {
    return <p className='failed-note' role='status'>{reason} Sent again as a new message below.</p>
  }
  return (
    <div className='failed-note'>
      <p>{reason}</p>
      <button type='button' className='link-button' onClick={() => { onRetry(message) }} disabled={retry?.state === 'pending'} title='Sends the same text again as a new message'>
        Retry
      </button>
      {retry?.state === 'pending' && <span role='status'> Sending again…</span>}
      {retry?.state === 'failed' && <p role='alert' className='error-note'>{retry.error}</p>}
    </div>
  )
}

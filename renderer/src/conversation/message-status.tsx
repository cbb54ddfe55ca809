import type { MessageStatus } from '../../../core/api/contract.js'

type OutgoingStatus = Exclude<MessageStatus, 'received'>

const DESCRIPTIONS: Record<OutgoingStatus, string> = {
  queued: 'Waiting to reach them; Parley keeps trying, also through their mailbox',
  sent: 'Sent to their device; not confirmed yet',
  delivered: 'Stored on their device',
  failed: 'Could not be delivered'
}

/** Tick marks in the style people know from other messengers; the word next to them is what counts. */
function StatusGlyph ({ status }: { status: OutgoingStatus }): React.JSX.Element {
  const path = {
    queued: 'M8 4v4l2.5 1.5M14 8A6 6 0 1 1 2 8a6 6 0 0 1 12 0Z',
    sent: 'm3 8.5 3 3 7-7',
    delivered: 'm1 8.5 3 3 7-7M7.5 11.5l7-7',
    failed: 'M8 4.5v4M8 11v.5M14 8A6 6 0 1 1 2 8a6 6 0 0 1 12 0Z'
  }[status]
  return <svg className='status-glyph' viewBox='0 0 16 16' aria-hidden='true' focusable='false'><path d={path} /></svg>
}

/** The delivery state of one of our messages, as a word (and a glyph). */
export function MessageStatusLabel ({ status }: { status: OutgoingStatus }): React.JSX.Element {
  return (
    <span className={`message-status status-${status}`} data-status={status} title={DESCRIPTIONS[status]}>
      <StatusGlyph status={status} />{status}
    </span>
  )
}

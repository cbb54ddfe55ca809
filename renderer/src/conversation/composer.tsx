import { useId, useRef, useState } from 'react'
import { MAX_TEXT_BYTES, messageTextProblem, utf8ByteLength } from '../../../core/api/text-rules.js'
import { isolate } from '../bidi.js'
import { describeError } from '../errors.js'
import { SendIcon } from '../ui/icons.js'

/** The composer grows with its text up to this many lines, then scrolls. */
const MAX_VISIBLE_LINES = 6
/** Show how much room is left once this close to the limit, in bytes. */
export const SHOW_REMAINING_BELOW_BYTES = 1000

/**
 * What to say under the composer: the engine's own rule (text-rules.ts),
 * counted in UTF-8 bytes as the engine counts, so a text the composer lets
 * through is never refused for its length.
 */
function limitNote (text: string): { text: string, blocking: boolean } | null {
  const sendable = text.trim()
  if (sendable === '') return null
  const remaining = MAX_TEXT_BYTES - utf8ByteLength(sendable)
  if (remaining < 0) return { text: `Too long to send: ${(-remaining).toLocaleString()} bytes over the limit of ${MAX_TEXT_BYTES.toLocaleString()}. Shorten it to send.`, blocking: true }
  const problem = messageTextProblem(sendable)
  if (problem != null) return { text: `Cannot send this: ${problem}.`, blocking: true }
  if (remaining < SHOW_REMAINING_BELOW_BYTES) return { text: `${remaining.toLocaleString()} bytes left (a letter takes 1 to 4).`, blocking: false }
  return null
}

interface ComposerProps {
  contactName: string
  /** Text typed earlier in this conversation and not sent. */
  draft: string
  onDraftChange: (draft: string) => void
  /** Sends the text; a rejection keeps it in the composer and shows why. */
  onSend: (text: string) => Promise<void>
}

/** Enter sends, Shift+Enter starts a new line; the text stays if sending fails. */
export function Composer ({ contactName, draft, onDraftChange, onSend }: ComposerProps): React.JSX.Element {
  const [text, setText] = useState(draft)
  // The latest text, for after an await (the closure's `text` is from before it).
  const latestText = useRef(draft)
  const [error, setError] = useState<string | null>(null)
  const sending = useRef(false)
  const input = useRef<HTMLTextAreaElement>(null)
  const errorId = useId()
  const noteId = useId()
  const note = limitNote(text)
  const blocked = text.trim() === '' || note?.blocking === true

  const change = (next: string): void => {
    latestText.current = next
    setText(next)
    onDraftChange(next)
  }

  const send = async (): Promise<void> => {
    const submitted = text
    if (blocked || sending.current) return
    sending.current = true
    setError(null)
    try {
      await onSend(submitted.trim())
      // Clear only what was sent: anything typed meanwhile stays.
      if (latestText.current === submitted) change('')
      // After a click on Send, the next message is typed right away, as after Enter.
      input.current?.focus()
    } catch (err) {
      setError(`Not sent — your text is still here. ${describeError(err)}`)
    } finally {
      sending.current = false
    }
  }

  const onKeyDown = (event: React.KeyboardEvent<HTMLTextAreaElement>): void => {
    // While an input method is composing, Enter picks a candidate; it must not send.
    if (event.key === 'Enter' && !event.shiftKey && !event.nativeEvent.isComposing) {
      event.preventDefault()
      void send()
    }
  }

  const describedBy = [error != null ? errorId : '', note != null ? noteId : ''].filter(id => id !== '').join(' ')
  return (
    <form className='composer' onSubmit={event => { event.preventDefault(); void send() }}>
      {error != null && <p id={errorId} className='error-note composer-error' role='alert'>{error}</p>}
      <div className='composer-row'>
        <textarea
          ref={input}
          className='composer-input'
          aria-label='Message'
          aria-describedby={describedBy === '' ? undefined : describedBy}
          aria-invalid={note?.blocking === true ? true : undefined}
          placeholder={`Message ${isolate(contactName)}`}
          dir='auto'
          rows={Math.min(MAX_VISIBLE_LINES, text.split('\n').length)}
          // Never below the byte limit: a UTF-16 unit is at least one byte. It only stops giant pastes.
          maxLength={MAX_TEXT_BYTES}
          value={text}
          onChange={event => { change(event.target.value) }}
          onKeyDown={onKeyDown}
          autoFocus
        />
        <button type='submit' className='send-button' disabled={blocked}>
          <SendIcon /><span className='send-label'>Send</span>
        </button>
      </div>
      <p id={noteId} className={note?.blocking === true ? 'hint composer-note over-limit' : 'hint composer-note'} role='status'>{note?.text}</p>
    </form>
  )
}

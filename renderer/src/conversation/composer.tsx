import { useId, useRef, useState } from 'react'
import { MAX_TEXT_CHARS } from '../../../core/api/contract.js'
import { describeError } from '../errors.js'
import { SendIcon } from '../ui/icons.js'

/** The composer grows with its text up to this many lines, then scrolls. */
const MAX_VISIBLE_LINES = 6
/** Show how many characters are left once this close to the limit. */
const SHOW_REMAINING_BELOW = 500

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

  const change = (next: string): void => {
    latestText.current = next
    setText(next)
    onDraftChange(next)
  }

  const send = async (): Promise<void> => {
    const submitted = text
    if (submitted.trim() === '' || sending.current) return
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

  const remaining = MAX_TEXT_CHARS - text.length
  return (
    <form className='composer' onSubmit={event => { event.preventDefault(); void send() }}>
      {error != null && <p id={errorId} className='error-note composer-error' role='alert'>{error}</p>}
      <div className='composer-row'>
        <textarea
          ref={input}
          className='composer-input'
          aria-label='Message'
          aria-describedby={error != null ? errorId : undefined}
          placeholder={`Message ${contactName}`}
          rows={Math.min(MAX_VISIBLE_LINES, text.split('\n').length)}
          maxLength={MAX_TEXT_CHARS}
          value={text}
          onChange={event => { change(event.target.value) }}
          onKeyDown={onKeyDown}
          autoFocus
        />
        <button type='submit' className='send-button' disabled={text.trim() === ''}>
          <SendIcon /><span className='send-label'>Send</span>
        </button>
      </div>
      {remaining < SHOW_REMAINING_BELOW && <p className='hint' role='status'>{remaining} characters left</p>}
    </form>
  )
}

import { useEffect, useId, useState } from 'react'
import { useClient } from '../client.js'
import { describeError } from '../errors.js'
import { ErrorNote } from '../ui/error-note.js'
import { QrCode } from '../ui/qr-code.js'

interface InvitePanelProps {
  /** Right after onboarding, before any contact exists: greet, and explain the next step. */
  welcome: boolean
  onPasteInvite: () => void
}

/** Your invite code and its QR code, to share; and the way to use someone else's. */
export function InvitePanel ({ welcome, onPasteInvite }: InvitePanelProps): React.JSX.Element {
  const client = useClient()
  const [code, setCode] = useState<string | null>(null)
  const [error, setError] = useState<string | null>(null)
  const headingId = useId()

  useEffect(() => {
    let current = true
    client.call('invite').then(result => {
      if (current) setCode(result.code)
    }, (err: unknown) => {
      if (current) setError(describeError(err))
    })
    return () => { current = false }
  }, [client])

  return (
    <section className='panel invite-panel' aria-labelledby={headingId} data-testid='invite-panel'>
      <header className='pane-header'>
        <div className='pane-title'><h2 id={headingId}>{welcome ? 'You’re all set' : 'Start a conversation'}</h2></div>
      </header>
      <div className='panel-body narrow'>
        <p className='lead'>
          Parley has no accounts and no directory. To talk, swap invite codes: send yours to a friend
          (or let them scan it), and paste theirs.
        </p>
        <div className='card invite-card'>
          <h3>Your invite</h3>
          <ErrorNote message={error} />
          {code == null
            ? error == null && <p role='status'>Preparing your invite…</p>
            : <InviteCode code={code} />}
        </div>
        <div className='card'>
          <h3>Got an invite?</h3>
          <p className='muted'>Paste the code someone sent you to add them as a contact.</p>
          <button type='button' className='primary' onClick={onPasteInvite}>Paste an invite</button>
        </div>
      </div>
    </section>
  )
}

/**
 * An invite is up to ~400 characters, a QR symbol of about 85 modules with
 * its quiet zone: at 3 px or more per module phone cameras read it easily.
 */
const INVITE_QR_MIN_SIZE_PX = 240

/** Copy feedback disappears after this long. */
const COPIED_NOTICE_MS = 2_500

function InviteCode ({ code }: { code: string }): React.JSX.Element {
  const [copyState, setCopyState] = useState<'idle' | 'copied' | 'failed'>('idle')

  useEffect(() => {
    if (copyState !== 'copied') return
    const timer = setTimeout(() => { setCopyState('idle') }, COPIED_NOTICE_MS)
    return () => { clearTimeout(timer) }
  }, [copyState])

  const copy = (): void => {
    // Started inside a promise chain: without a secure context `navigator.clipboard` is missing and would throw.
    Promise.resolve().then(async () => { await navigator.clipboard.writeText(code) })
      .then(() => { setCopyState('copied') }, () => { setCopyState('failed') })
  }
  return (
    <div className='invite-code-block'>
      <QrCode content={code} label='QR code of your invite' minSize={INVITE_QR_MIN_SIZE_PX} />
      <div className='invite-code-text'>
        <output className='invite-code mono selectable' aria-label='Your invite code'>{code}</output>
        <p className='muted'>Anyone with this code can write to you. Share it only with people you want to hear from.</p>
        <div className='actions'>
          <button type='button' className='primary' onClick={copy}>Copy invite</button>
          <span role='status' className='copy-status'>
            {copyState === 'copied' && 'Copied to the clipboard.'}
            {copyState === 'failed' && 'Could not copy. Select the code and copy it by hand.'}
          </span>
        </div>
      </div>
    </div>
  )
}

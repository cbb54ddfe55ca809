import { useMemo, useState } from 'react'
import { displayText } from '../bidi.js'
import { internationalHost, linkify } from '../linkify.js'
import { Dialog } from '../ui/dialog.js'

/**
 * Message text as React text nodes, with http(s) URLs as links that open
 * outside the app. Never HTML: whatever a message contains shows literally,
 * and without bidi formatting characters (bidi.ts).
 */
export function MessageText ({ text }: { text: string }): React.JSX.Element {
  const segments = useMemo(() => linkify(displayText(text)), [text])
  return (
    <>
      {segments.map((segment, index) => segment.kind === 'link'
        ? <Link key={index} text={segment.text} href={segment.href} />
        : <span key={index}>{segment.text}</span>)}
    </>
  )
}

/**
 * A link. One whose host is written with non-ASCII letters shows the host it
 * really opens (punycode) next to it, and asks before opening it.
 */
function Link ({ text, href }: { text: string, href: string }): React.JSX.Element {
  const host = useMemo(() => internationalHost(href), [href])
  const [confirming, setConfirming] = useState(false)
  if (host == null) return <a href={href} target='_blank' rel='noopener noreferrer'>{text}</a>
  const open = (): void => {
    setConfirming(false)
    window.open(href, '_blank', 'noopener,noreferrer')
  }
  return (
    <>
      <a href={href} target='_blank' rel='noopener noreferrer' onClick={event => { event.preventDefault(); setConfirming(true) }}>{text}</a>
      <span className='link-real-host'> (goes to <span dir='ltr'>{host}</span>)</span>
      {confirming && (
        <Dialog title='Open this link?' role='alertdialog' onClose={() => { setConfirming(false) }} testId='lookalike-link-dialog'>
          <p>
            This link goes to <strong className='mono' dir='ltr'>{host}</strong>. Its name is written with letters from other
            alphabets or with accents, which can make it look like a site you know. Open it only if you expected this address.
          </p>
          <div className='dialog-actions'>
            <button type='button' className='secondary' onClick={() => { setConfirming(false) }} autoFocus>Cancel</button>
            <button type='button' className='primary' onClick={open}>Open link</button>
          </div>
        </Dialog>
      )}
    </>
  )
}

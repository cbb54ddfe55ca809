import { useMemo } from 'react'
import { linkify } from '../linkify.js'

/**
 * Message text as React text nodes, with http(s) URLs as links that open
 * outside the app. Never HTML: whatever a message contains shows literally.
 */
export function MessageText ({ text }: { text: string }): React.JSX.Element {
  const segments = useMemo(() => linkify(text), [text])
  return (
    <>
      {segments.map((segment, index) => segment.kind === 'link'
        ? <a key={index} href={segment.href} target='_blank' rel='noopener noreferrer'>{segment.text}</a>
        : <span key={index}>{segment.text}</span>)}
    </>
  )
}

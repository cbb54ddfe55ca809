import { displayText } from '../bidi.js'

/**
 * A name or other short text someone else chose, inside a sentence of ours:
 * bidi-isolated (`<bdi>` takes its direction from its own content) and
 * shown without bidi formatting characters (bidi.ts).
 */
export function UserText ({ text, className }: { text: string, className?: string }): React.JSX.Element {
  return <bdi className={className}>{displayText(text)}</bdi>
}

import { displayText } from '../bidi.js'

/** Number of avatar colours in styles.css (`.avatar-color-N`). */
const AVATAR_COLOURS = 8

/** FNV-1a: cheap, and spreads similar PeerIds over all colours. */
function colourIndex (seed: string): number {
  let hash = 0x811c9dc5
  for (let i = 0; i < seed.length; i++) hash = Math.imul(hash ^ seed.charCodeAt(i), 0x01000193) >>> 0
  return (hash >>> 8) % AVATAR_COLOURS
}

function initials (name: string): string {
  const words = displayText(name).trim().split(/\s+/).filter(Boolean)
  const letters = words.length > 1 ? [words[0], words[words.length - 1]] : words
  return letters.map(word => [...word][0]?.toUpperCase() ?? '').join('') || '?'
}

/** Initials on a colour picked from the PeerId, so a contact keeps its colour when renamed. Decorative. */
export function Avatar ({ name, seed, size = 'medium' }: { name: string, seed: string, size?: 'small' | 'medium' | 'large' }): React.JSX.Element {
  return (
    <span className={`avatar avatar-${size} avatar-color-${colourIndex(seed)}`} aria-hidden='true'>
      {initials(name)}
    </span>
  )
}

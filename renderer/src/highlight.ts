/** A piece of text, and whether it matches one of the searched words. */
export interface HighlightPart {
  text: string
  match: boolean
}

function escapeRegExp (text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')
}

/** Splits `text` around case-insensitive occurrences of the query's words, to wrap them in `<mark>`. */
export function highlight (text: string, query: string): HighlightPart[] {
  const words = query.trim().split(/\s+/).filter(Boolean).map(escapeRegExp)
  if (words.length === 0) return [{ text, match: false }]
  const alternatives = words.join('|')
  const exact = new RegExp(`^(?:${alternatives})$`, 'i')
  return text.split(new RegExp(`(${alternatives})`, 'gi'))
    .filter(part => part !== '')
    .map(part => ({ text: part, match: exact.test(part) }))
}

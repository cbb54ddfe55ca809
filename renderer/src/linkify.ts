/** A run of message text: plain text, or a URL safe to open. */
export type TextSegment =
  | { kind: 'text', text: string }
  | { kind: 'link', text: string, href: string }

/**
 * Candidates only start with `http://` or `https://`, so `javascript:`,
 * `data:` or `file:` can never become links, whatever else the text holds.
 */
const URL_CANDIDATE = /\bhttps?:\/\/[^\s<>"]+/gi

/** Punctuation that usually ends a sentence rather than a URL. */
const TRAILING_PUNCTUATION = /[.,;:!?'’”*_]+$/

/**
 * Splits message text into plain text and links. Links are checked with the
 * URL parser and must come out as `http:` or `https:`; anything else stays
 * text. The UI renders segments as React text and `<a>` elements, so no
 * message can ever inject markup.
 */
export function linkify (text: string): TextSegment[] {
  const segments: TextSegment[] = []
  let cursor = 0
  for (const match of text.matchAll(URL_CANDIDATE)) {
    const start = match.index
    const candidate = trimUrl(match[0])
    const href = safeHref(candidate)
    if (href == null) continue
    if (start > cursor) segments.push({ kind: 'text', text: text.slice(cursor, start) })
    segments.push({ kind: 'link', text: candidate, href })
    cursor = start + candidate.length
  }
  if (cursor < text.length) segments.push({ kind: 'text', text: text.slice(cursor) })
  return mergeText(segments)
}

/** Drops trailing punctuation, and a closing bracket that has no opening one inside the URL. */
function trimUrl (candidate: string): string {
  let url = candidate.replace(TRAILING_PUNCTUATION, '')
  for (const [open, close] of [['(', ')'], ['[', ']'], ['{', '}']] as const) {
    while (url.endsWith(close) && count(url, close) > count(url, open)) {
      url = url.slice(0, -1).replace(TRAILING_PUNCTUATION, '')
    }
  }
  return url
}

function count (text: string, char: string): number {
  return text.split(char).length - 1
}

/** The normalised URL if it parses and is http(s) with a host, else null. */
export function safeHref (candidate: string): string | null {
  try {
    const url = new URL(candidate)
    if ((url.protocol !== 'http:' && url.protocol !== 'https:') || url.hostname === '') return null
    return url.href
  } catch {
    return null
  }
}

function mergeText (segments: TextSegment[]): TextSegment[] {
  const merged: TextSegment[] = []
  for (const segment of segments) {
    const last = merged.at(-1)
    if (segment.kind === 'text' && last?.kind === 'text') last.text += segment.text
    else merged.push(segment)
  }
  return merged
}

/**
 * The host a link really opens when its name is written with non-ASCII
 * letters (`аpple.com` in Cyrillic is `xn--pple-43d.com`), else null. Such
 * names can pass for familiar ones, so the UI shows this host and asks
 * before opening. The URL parser has already turned the host into punycode.
 */
export function internationalHost (href: string): string | null {
  try {
    const { hostname, host } = new URL(href)
    return hostname.split('.').some(label => label.startsWith('xn--')) ? host : null
  } catch {
    return null
  }
}

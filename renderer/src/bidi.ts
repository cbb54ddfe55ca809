/**
 * Text from other people (names, messages) goes into sentences we write.
 * Two rules keep it from rearranging them or itself:
 *
 * - It is isolated: `<bdi>` or `dir="auto"` in the page, FSI…PDI in plain
 *   strings (attributes, notifications). Its direction comes from its own
 *   first strong letter (Arabic lays out right to left), and nothing in it
 *   reaches past its end.
 * - Explicit bidi formatting characters (embeddings, overrides, isolates)
 *   are not shown. They have no visible form; what they do is reorder
 *   letters, which is how `invoice_\u202Etxt.exe` passes for `invoice_exe.txt`.
 *   Without them the letters show in the order they were written, so a name
 *   or a file name reads as what it is.
 */

/** LRE RLE PDF LRO RLO (U+202A–U+202E) and LRI RLI FSI PDI (U+2066–U+2069). */
const BIDI_FORMATTING = /[\u202A-\u202E\u2066-\u2069]/g

const FIRST_STRONG_ISOLATE = '\u2068'
const POP_DIRECTIONAL_ISOLATE = '\u2069'

/** The text as shown: without explicit bidi formatting characters. */
export function displayText (text: string): string {
  return text.replace(BIDI_FORMATTING, '')
}

/** For plain strings (placeholders, notifications): the text shown, wrapped in FSI…PDI. */
export function isolate (text: string): string {
  return `${FIRST_STRONG_ISOLATE}${displayText(text)}${POP_DIRECTIONAL_ISOLATE}`
}

import { InvalidParamsError } from '../errors.js'
import { MAX_TEXT_BYTES } from '../wire/limits.js'

/**
 * What a message text or a name may contain: one set of rules for the API
 * schemas, the engine behind them and the UI that shows them as you type.
 * Every accepted string is stored and sent exactly as given; what would not
 * survive that (NUL, lone surrogates) or would only show as nothing
 * (blank text, controls) is refused with a reason worded for people.
 */

export { MAX_TEXT_BYTES }

/** Longest display or contact name, in UTF-16 code units: what a text field's `maxLength` counts. */
export const MAX_NAME_CHARS = 100

// eslint-disable-next-line no-control-regex -- finding control characters is the point
const TEXT_CONTROL = /[\u0000-\u0008\u000B-\u001F\u007F-\u009F]/
// Names are one line: tab and line feed are controls there too.
// eslint-disable-next-line no-control-regex -- as above
const NAME_CONTROL = /[\u0000-\u001F\u007F-\u009F]/
/** White space and the characters a renderer draws as nothing (zero-width space, joiners, bidi marks…). */
const INVISIBLE_ONLY = /^[\p{White_Space}\p{Default_Ignorable_Code_Point}]*$/u

/** UTF-8 length without allocating; a lone surrogate counts as U+FFFD (3 bytes), as an encoder would write it. */
export function utf8ByteLength (text: string): number {
  let bytes = 0
  for (let i = 0; i < text.length; i++) {
    const unit = text.charCodeAt(i)
    if (unit < 0x80) bytes += 1
    else if (unit < 0x800) bytes += 2
    else if (unit >= 0xd800 && unit <= 0xdbff && i + 1 < text.length && (text.charCodeAt(i + 1) & 0xfc00) === 0xdc00) {
      bytes += 4
      i++
    } else bytes += 3
  }
  return bytes
}

/** `U+0000` for the first control character in `text`. */
function codePointName (char: string): string {
  return `U+${(char.codePointAt(0) ?? 0).toString(16).toUpperCase().padStart(4, '0')}`
}

/** Why this message text cannot be sent, or undefined when it can. */
export function messageTextProblem (text: string): string | undefined {
  if (text === '') return 'the message is empty'
  if (INVISIBLE_ONLY.test(text)) return 'the message has nothing visible in it, only spaces or invisible characters'
  const control = TEXT_CONTROL.exec(text)
  if (control != null) return `the message contains an invisible control character (${codePointName(control[0])}); remove it and try again`
  if (!text.isWellFormed()) return 'the message contains a broken character (half of a UTF-16 surrogate pair)'
  const bytes = utf8ByteLength(text)
  if (bytes > MAX_TEXT_BYTES) return `the message is too long: ${bytes} bytes, and the limit is ${MAX_TEXT_BYTES} bytes (a letter takes 1 to 4)`
  return undefined
}

/** Why this name (already trimmed) cannot be used, or undefined when it can. */
export function nameProblem (name: string): string | undefined {
  if (name === '') return 'a name must not be empty'
  const control = NAME_CONTROL.exec(name)
  if (control != null) return `a name cannot contain control characters such as line breaks (found ${codePointName(control[0])})`
  if (INVISIBLE_ONLY.test(name)) return 'a name needs at least one visible character'
  if (!name.isWellFormed()) return 'a name contains a broken character (half of a UTF-16 surrogate pair)'
  if (name.length > MAX_NAME_CHARS) return `a name must be at most ${MAX_NAME_CHARS} characters`
  return undefined
}

/** The name, trimmed, or `InvalidParamsError` saying what is wrong with it. */
export function validName (name: string): string {
  const trimmed = name.trim()
  const problem = nameProblem(trimmed)
  if (problem != null) throw new InvalidParamsError(problem)
  return trimmed
}

/** The text unchanged, or `InvalidParamsError` saying why it cannot be sent. */
export function validMessageText (text: string): string {
  const problem = messageTextProblem(text)
  if (problem != null) throw new InvalidParamsError(problem)
  return text
}

import { originOf } from './url-origin.js'

/**
 * Where a navigation or `window.open` may go. The window stays on the app's
 * own origin; the only way out is an `https:` link the user confirms, which
 * then opens in the system browser, never inside Parley.
 */
export type NavigationDecision =
  | { action: 'allow' }
  | { action: 'confirm-external', url: string, host: string }
  | { action: 'deny', reason: string }

/** Longer links are refused rather than shown: a confirmation dialog cannot display them honestly. */
export const MAX_EXTERNAL_URL_LENGTH = 2048

export function decideNavigation (rawUrl: string, ownOrigin: string): NavigationDecision {
  if (rawUrl.length > MAX_EXTERNAL_URL_LENGTH) return { action: 'deny', reason: 'the link is too long' }
  let url: URL
  try {
    url = new URL(rawUrl)
  } catch {
    return { action: 'deny', reason: 'not a URL' }
  }
  if (url.username !== '' || url.password !== '') return { action: 'deny', reason: 'the link carries a user name or password' }
  if (originOf(url) === ownOrigin) return { action: 'allow' }
  if (url.protocol === 'https:' && url.hostname !== '') {
    // `href` and `host` are the parser's normal form: punycode hosts, so look-alike letters show as xn--…
    return { action: 'confirm-external', url: url.href, host: url.host }
  }
  return { action: 'deny', reason: `${url.protocol} links are not opened` }
}

/** The words of the confirmation dialog: the real host first, then the whole link. */
export function externalLinkPrompt (decision: { url: string, host: string }): { message: string, detail: string, buttons: [string, string] } {
  return {
    message: `Open ${decision.host} in your browser?`,
    detail: `The link goes to:\n${decision.url}`,
    buttons: ['Open in browser', 'Cancel']
  }
}

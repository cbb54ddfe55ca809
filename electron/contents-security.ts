import { decideNavigation } from './navigation.js'
import type { WebContents } from 'electron'
import type { NavigationDecision } from './navigation.js'

export type ExternalLink = Extract<NavigationDecision, { action: 'confirm-external' }>

/**
 * Navigation limits for every WebContents the app creates. `ownOrigin`
 * returns the one origin that contents may show (undefined: none, so every
 * navigation is refused). Links leave only through `confirmExternal`.
 */
export function guardContents (contents: WebContents, ownOrigin: () => string | undefined, confirmExternal: (link: ExternalLink, from: WebContents) => void): void {
  const decide = (url: string): NavigationDecision => {
    const origin = ownOrigin()
    return origin == null ? { action: 'deny', reason: 'this window shows no pages' } : decideNavigation(url, origin)
  }
  contents.on('will-navigate', event => {
    const decision = decide(event.url)
    if (decision.action === 'allow') return
    event.preventDefault()
    if (decision.action === 'confirm-external') confirmExternal(decision, contents)
  })
  // Subframes (the CSP already forbids them) and redirects never leave the app's origin either.
  contents.on('will-frame-navigate', event => {
    if (!event.isMainFrame) event.preventDefault()
  })
  contents.on('will-redirect', event => {
    if (decide(event.url).action !== 'allow') event.preventDefault()
  })
  contents.on('will-attach-webview', event => { event.preventDefault() })
  contents.setWindowOpenHandler(({ url }) => {
    const decision = decide(url)
    if (decision.action === 'confirm-external') confirmExternal(decision, contents)
    return { action: 'deny' }
  })
}

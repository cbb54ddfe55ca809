import { BrowserWindow, dialog, shell } from 'electron'
import { externalLinkPrompt } from './navigation.js'
import type { WebContents } from 'electron'
import type { ExternalLink } from './contents-security.js'

let asking = false

/**
 * Asks before an `https:` link leaves for the system browser. One question
 * at a time: a page that fires links in a loop gets no stack of dialogs, and
 * links that arrive while one is open are dropped.
 */
export async function confirmAndOpen (link: ExternalLink, from: WebContents): Promise<void> {
  if (asking) return
  asking = true
  try {
    const words = externalLinkPrompt(link)
    const parent = BrowserWindow.fromWebContents(from)
    const options = { type: 'question' as const, buttons: words.buttons, defaultId: 1, cancelId: 1, noLink: true, message: words.message, detail: words.detail }
    const { response } = parent == null ? await dialog.showMessageBox(options) : await dialog.showMessageBox(parent, options)
    // `link.url` is the parser's normal form of an https: URL (navigation.ts); nothing else reaches here.
    if (response === 0) await shell.openExternal(link.url)
  } finally {
    asking = false
  }
}

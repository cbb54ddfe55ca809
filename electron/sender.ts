import { originOf } from './url-origin.js'

/** The parts of Electron's `WebFrameMain` the check reads; typed by shape so tests need no Electron. */
export interface FrameLike {
  readonly url: string
  readonly parent: unknown
  readonly processId: number
  readonly frameToken: string
  readonly detached?: boolean
}

/**
 * True when an IPC message comes from the top frame of our own window while
 * it shows the app's own origin. Everything else (a subframe, a frame that
 * navigated elsewhere, another window, a frame already gone) is refused, so a
 * page that somehow loads inside Parley can never obtain an engine port.
 */
export function isTrustedSender (sender: FrameLike | null | undefined, mainFrame: FrameLike | null | undefined, ownOrigin: string): boolean {
  if (sender == null || mainFrame == null) return false
  if (sender.detached === true || sender.parent != null) return false
  if (sender.processId !== mainFrame.processId || sender.frameToken !== mainFrame.frameToken) return false
  return originOf(sender.url) === ownOrigin
}

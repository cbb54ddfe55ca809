import { BrowserWindow, ipcMain } from 'electron'
import { PASSPHRASE_CANCEL_CHANNEL, PASSPHRASE_SUBMIT_CHANNEL } from './channels.js'
import { isTrustedSender } from './sender.js'
import { createSecureWindow } from './window-options.js'
import type { IpcMainEvent } from 'electron'

/** Same bound as the engine's control protocol. */
const MAX_PASSPHRASE_LENGTH = 1024

export interface PromptPage {
  /** The prompt page's URL, without query. */
  url: string
  /** Its origin: the only one whose top frame may answer. */
  origin: string
  preload: string
  /** Tells contents-security.ts which origin this window may show. */
  register: (window: BrowserWindow) => void
}

/**
 * Asks for a passphrase in a small window of its own (a separate origin from
 * the chat UI). `new` asks twice and checks they match; `unlock` asks once.
 * Resolves undefined when the user cancels or closes the window.
 */
export async function askPassphrase (page: PromptPage, mode: 'new' | 'unlock', retry: boolean): Promise<string | undefined> {
  const promptWindow = createSecureWindow(BrowserWindow, { preload: page.preload, title: 'Parley', width: 460, height: mode === 'new' ? 420 : 340, resizable: false })
  page.register(promptWindow)
  const trusted = (event: IpcMainEvent): boolean =>
    !promptWindow.isDestroyed() && event.sender === promptWindow.webContents && isTrustedSender(event.senderFrame, promptWindow.webContents.mainFrame, page.origin)
  return await new Promise(resolve => {
    let done = false
    const finish = (passphrase: string | undefined): void => {
      if (done) return
      done = true
      ipcMain.off(PASSPHRASE_SUBMIT_CHANNEL, onSubmit)
      ipcMain.off(PASSPHRASE_CANCEL_CHANNEL, onCancel)
      if (!promptWindow.isDestroyed()) promptWindow.destroy()
      resolve(passphrase)
    }
    const onSubmit = (event: IpcMainEvent, value: unknown): void => {
      if (!trusted(event) || typeof value !== 'string' || value.length === 0 || value.length > MAX_PASSPHRASE_LENGTH) return
      finish(value)
    }
    const onCancel = (event: IpcMainEvent): void => {
      if (trusted(event)) finish(undefined)
    }
    ipcMain.on(PASSPHRASE_SUBMIT_CHANNEL, onSubmit)
    ipcMain.on(PASSPHRASE_CANCEL_CHANNEL, onCancel)
    promptWindow.once('closed', () => { finish(undefined) })
    promptWindow.once('ready-to-show', () => { promptWindow.show() })
    const query = new URLSearchParams({ mode, ...(retry ? { retry: '1' } : {}) })
    promptWindow.loadURL(`${page.url}?${query.toString()}`).catch(() => { finish(undefined) })
  })
}

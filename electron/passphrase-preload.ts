/**
 * Preload of the passphrase prompt (its own window and origin, never the chat
 * UI): sandboxed, and it exposes exactly two functions that send the typed
 * passphrase, or a cancel, to main. Main checks the sender and the value.
 */
import { contextBridge, ipcRenderer } from 'electron'
import { PASSPHRASE_CANCEL_CHANNEL, PASSPHRASE_SUBMIT_CHANNEL } from './channels.js'

contextBridge.exposeInMainWorld('parleyPassphrase', {
  submit: (passphrase: unknown): void => {
    if (typeof passphrase === 'string') ipcRenderer.send(PASSPHRASE_SUBMIT_CHANNEL, passphrase)
  },
  cancel: (): void => { ipcRenderer.send(PASSPHRASE_CANCEL_CHANNEL) }
})

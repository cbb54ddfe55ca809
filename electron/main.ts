/**
 * Electron main: windows, OS integration and nothing else. It starts the
 * engine in a utility process, joins renderer and engine with a
 * MessageChannelMain, and never reads the chat traffic that flows between
 * them. Security policy lives in small modules (navigation, sender,
 * permissions, window-options; the CSP is core/api/csp.ts) that are unit-tested without Electron.
 */
import { dirname, join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { app, BrowserWindow, dialog, ipcMain, MessageChannelMain, session } from 'electron'
import { contentSecurityPolicy } from '../core/api/csp.js'
import { registerAppScheme, serveAppScheme } from './app-protocol.js'
import { PORT_CHANNEL, PORT_REQUEST_CHANNEL } from './channels.js'
import { guardContents } from './contents-security.js'
import { EngineProcess, EngineStartError } from './engine-process.js'
import { confirmAndOpen } from './external-links.js'
import { chooseKeySource } from './key-setup.js'
import { notifyNewMessage } from './notifications.js'
import { rendererPages } from './renderer-pages.js'
import { isTrustedSender } from './sender.js'
import { hardenSession } from './session-security.js'
import { createUnreadIndicator } from './tray.js'
import { createSecureWindow } from './window-options.js'
import type { KeySource } from './control-protocol.js'
import type { UnreadIndicator } from './tray.js'

const buildDir = dirname(fileURLToPath(import.meta.url))
const pages = rendererPages(buildDir, app.isPackaged)
/** The origin each of our WebContents may show, by id; contents not listed may show nothing. */
const windowOrigins = new Map<number, string>()

let mainWindow: BrowserWindow | undefined
let mainWindowOpened = false
let engine: EngineProcess | undefined
let indicator: UnreadIndicator | undefined
let quitting = false

// Before `ready`: every renderer sandboxed, and app:// registered as a secure standard scheme.
app.enableSandbox()
registerAppScheme()

if (!app.requestSingleInstanceLock()) {
  // Another Parley owns the data dir; it shows its window (second-instance below).
  app.quit()
} else {
  app.on('second-instance', showMainWindow)
  app.on('web-contents-created', (_event, contents) => {
    guardContents(contents, () => windowOrigins.get(contents.id), (link, from) => { void confirmAndOpen(link, from) })
  })
  // Quit with the main window; the passphrase prompt closes before it opens, and that must not end the app.
  app.on('window-all-closed', () => { if (mainWindowOpened) app.quit() })
  app.on('before-quit', event => {
    if (engine == null || quitting) return
    // Let the engine close its database and node first.
    event.preventDefault()
    quitting = true
    void engine.stop().finally(() => {
      engine = undefined
      app.quit()
    })
  })
  ipcMain.on(PORT_REQUEST_CHANNEL, event => {
    const win = mainWindow
    if (win == null || win.isDestroyed() || engine == null) return
    if (event.sender !== win.webContents || !isTrustedSender(event.senderFrame, win.webContents.mainFrame, pages.main.origin)) {
      console.warn('parley: refused an engine port to a frame that is not the main window\'s')
      return
    }
    const { port1, port2 } = new MessageChannelMain()
    engine.connect(port1)
    win.webContents.postMessage(PORT_CHANNEL, null, [port2])
  })
  app.whenReady().then(start).catch(async (err: unknown) => {
    await fatal('Parley could not start', err instanceof Error ? err.message : String(err))
  })
}

async function start (): Promise<void> {
  const csp = contentSecurityPolicy({ target: pages.main.dev ? 'electron-dev' : 'electron' })
  hardenSession(session.defaultSession, { csp, ownOrigins: () => [pages.main.origin, pages.passphrase.origin] })
  serveAppScheme(pages.roots, contentSecurityPolicy({ target: 'electron' }))

  const dataDir = join(app.getPath('userData'), 'data')
  const prompt = {
    url: pages.passphrase.url,
    origin: pages.passphrase.origin,
    preload: join(buildDir, 'passphrase-preload.cjs'),
    register: (win: BrowserWindow) => { allowOrigin(win, pages.passphrase.origin) }
  }
  // A wrong passphrase asks again; anything else that stops the engine ends here.
  let wrongBefore = false
  for (;;) {
    const key: KeySource | undefined = await chooseKeySource(dataDir, prompt, wrongBefore)
    if (key == null) {
      app.quit()
      return
    }
    try {
      engine = await EngineProcess.start(join(buildDir, 'engine-host.mjs'), { dataDir, key }, { onUnread, onCrash })
      break
    } catch (err) {
      if (err instanceof EngineStartError && err.code === 'wrong_passphrase' && key.mode === 'passphrase') {
        wrongBefore = true
        continue
      }
      await fatal('Parley could not open your messages', err instanceof Error ? err.message : String(err))
      return
    }
  }
  createMainWindow()
  try {
    indicator = createUnreadIndicator({ show: showMainWindow, quit: () => { app.quit() } })
  } catch (err) {
    // Some desktops have no tray; the window and its badge still work.
    console.warn('parley: no tray icon:', err instanceof Error ? err.message : String(err))
  }
}

function createMainWindow (): void {
  const win = createSecureWindow(BrowserWindow, {
    preload: join(buildDir, 'preload.cjs'), title: 'Parley', width: 1100, height: 760, minWidth: 640, minHeight: 480
  })
  allowOrigin(win, pages.main.origin)
  win.once('ready-to-show', () => { win.show() })
  win.on('closed', () => { mainWindow = undefined })
  mainWindow = win
  mainWindowOpened = true
  win.loadURL(pages.main.url).catch(async (err: unknown) => {
    await fatal('Parley could not load its window', err instanceof Error ? err.message : String(err))
  })
}

/** Lets `win` show pages of `origin` (and no other) until it closes. */
function allowOrigin (win: BrowserWindow, origin: string): void {
  const id = win.webContents.id
  windowOrigins.set(id, origin)
  win.once('closed', () => { windowOrigins.delete(id) })
}

function showMainWindow (): void {
  const win = mainWindow
  if (win == null || win.isDestroyed()) return
  if (win.isMinimized()) win.restore()
  win.show()
  win.focus()
}

function onUnread (unread: number, notify?: { title: string, body?: string }): void {
  indicator?.setUnread(unread)
  // No banner for what the user is already looking at.
  if (notify != null && mainWindow?.isFocused() !== true) notifyNewMessage(notify, showMainWindow)
}

function onCrash (code: number): void {
  engine = undefined
  void dialog.showMessageBox({
    type: 'error', title: 'Parley', message: 'Parley\'s engine stopped unexpectedly', detail: `Exit code ${code}. Your messages are safe on disk.`, buttons: ['Restart Parley', 'Quit'], defaultId: 0, cancelId: 1, noLink: true
  }).then(({ response }) => {
    if (response === 0) app.relaunch()
    app.quit()
  })
}

async function fatal (message: string, detail: string): Promise<void> {
  await dialog.showMessageBox({ type: 'error', title: 'Parley', message, detail, buttons: ['Quit'], noLink: true })
  app.quit()
}

import type { BrowserWindow as ElectronBrowserWindow, BrowserWindowConstructorOptions } from 'electron'

/** Electron's `BrowserWindow` class, passed in so this module runs (and is tested) without Electron. */
export type BrowserWindowClass = new (options: BrowserWindowConstructorOptions) => ElectronBrowserWindow

export interface WindowInit {
  /** Absolute path of the sandboxed preload script. */
  preload: string
  title: string
  width: number
  height: number
  minWidth?: number
  minHeight?: number
  /** Set for the passphrase prompt, which sits above nothing else. */
  resizable?: boolean
}

/**
 * Every Parley window is made here, with one set of web preferences. The
 * options are written out literally inside `new BrowserWindow(...)` on
 * purpose: Electronegativity reads them from the call site.
 */
export function createSecureWindow (BrowserWindow: BrowserWindowClass, init: WindowInit): ElectronBrowserWindow {
  return new BrowserWindow({
    title: init.title,
    width: init.width,
    height: init.height,
    minWidth: init.minWidth,
    minHeight: init.minHeight,
    resizable: init.resizable ?? true,
    // Shown on `ready-to-show`, so the user never sees a blank frame.
    show: false,
    backgroundColor: '#111827',
    webPreferences: {
      // Electronegativity asks for a review of every preload. Ours are reviewed: sandboxed, and each exposes
      // at most one validated message (preload.ts, passphrase-preload.ts).
      preload: init.preload, // eng-disable PRELOAD_JS_CHECK (reviewed, see above)
      contextIsolation: true,
      sandbox: true,
      nodeIntegration: false,
      nodeIntegrationInWorker: false,
      nodeIntegrationInSubFrames: false,
      webviewTag: false,
      webSecurity: true,
      allowRunningInsecureContent: false,
      experimentalFeatures: false,
      // Middle-click would otherwise open links in new windows without a `window.open`.
      disableBlinkFeatures: 'Auxclick',
      navigateOnDragDrop: false,
      // Chromium's spellchecker downloads dictionaries from Google on Linux and Windows.
      spellcheck: false,
      safeDialogs: true,
      enableWebSQL: false,
      autoplayPolicy: 'user-gesture-required'
    }
  })
}

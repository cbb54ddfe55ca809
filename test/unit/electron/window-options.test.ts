import { describe, expect, it } from 'vitest'
import { createSecureWindow } from '../../../electron/window-options.js'
import type { BrowserWindow, BrowserWindowConstructorOptions } from 'electron'
import type { BrowserWindowClass } from '../../../electron/window-options.js'

/** Stands in for Electron's BrowserWindow and keeps the options it was given. */
function fakeWindowClass (): { Class: BrowserWindowClass, made: BrowserWindowConstructorOptions[] } {
  const made: BrowserWindowConstructorOptions[] = []
  class FakeWindow {
    constructor (options: BrowserWindowConstructorOptions) { made.push(options) }
  }
  return { Class: FakeWindow as unknown as BrowserWindowClass, made }
}

describe('window options', () => {
  it('have exactly the secure web preferences', () => {
    const { Class, made } = fakeWindowClass()
    const window: BrowserWindow = createSecureWindow(Class, { preload: '/app/.vite/build/preload.cjs', title: 'Parley', width: 800, height: 600 })
    expect(window).toBeDefined()
    expect(made).toHaveLength(1)
    expect(made[0]?.webPreferences).toStrictEqual({
      preload: '/app/.vite/build/preload.cjs',
      contextIsolation: true,
      sandbox: true,
      nodeIntegration: false,
      nodeIntegrationInWorker: false,
      nodeIntegrationInSubFrames: false,
      webviewTag: false,
      webSecurity: true,
      allowRunningInsecureContent: false,
      experimentalFeatures: false,
      disableBlinkFeatures: 'Auxclick',
      navigateOnDragDrop: false,
      spellcheck: false,
      safeDialogs: true,
      enableWebSQL: false,
      autoplayPolicy: 'user-gesture-required'
    })
  })

  it('are the same for every window; only size and title vary', () => {
    const { Class, made } = fakeWindowClass()
    createSecureWindow(Class, { preload: '/p.cjs', title: 'A', width: 1, height: 2 })
    createSecureWindow(Class, { preload: '/p.cjs', title: 'B', width: 3, height: 4, resizable: false, minWidth: 1, minHeight: 1 })
    expect(made[0]?.webPreferences).toStrictEqual(made[1]?.webPreferences)
    expect(made[0]).toMatchObject({ show: false, resizable: true })
    expect(made[1]).toMatchObject({ title: 'B', width: 3, height: 4, resizable: false })
    for (const options of made) {
      expect(Object.keys(options).sort()).toEqual(['backgroundColor', 'height', 'minHeight', 'minWidth', 'resizable', 'show', 'title', 'webPreferences', 'width'])
    }
  })
})

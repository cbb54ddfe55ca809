import { join } from 'node:path'
import { appOrigin, MAIN_WINDOW_HOST, originOf, PASSPHRASE_WINDOW_HOST } from './url-origin.js'

// Replaced at build time by Forge's Vite plugin (one pair per renderer entry in forge.config.ts).
declare const MAIN_WINDOW_VITE_DEV_SERVER_URL: string | undefined
declare const PASSPHRASE_WINDOW_VITE_DEV_SERVER_URL: string | undefined
declare const PASSPHRASE_WINDOW_VITE_NAME: string | undefined

export interface RendererPage {
  /** Where the window loads from. */
  url: string
  /** The one origin that window may show. */
  origin: string
  /** True when served by Vite's dev server (`npm start`), which needs the dev CSP. */
  dev: boolean
}

export interface RendererPages {
  main: RendererPage
  passphrase: RendererPage
  /** `app://` host → directory of built files, for the protocol handler. */
  roots: Record<string, string>
}

/**
 * The chat UI's build output, relative to the app root: vite.renderer.config.ts
 * writes it there (the daemon serves the same files), also when Forge builds it.
 */
export const MAIN_WINDOW_DIR = 'dist/ui'

/**
 * Where the two renderer entries live: Vite's dev server under `npm start`
 * (never in a packaged app), else the built files under `app://`.
 * `buildDir` is `.vite/build`; the app root is two levels up; Forge puts the
 * prompt in `.vite/renderer/passphrase_window`.
 */
export function rendererPages (buildDir: string, isPackaged: boolean): RendererPages {
  // typeof: in a production build the dev-server constants may be left undefined, not declared.
  const mainDev = typeof MAIN_WINDOW_VITE_DEV_SERVER_URL === 'string' && !isPackaged ? MAIN_WINDOW_VITE_DEV_SERVER_URL : undefined
  const promptDev = typeof PASSPHRASE_WINDOW_VITE_DEV_SERVER_URL === 'string' && !isPackaged ? PASSPHRASE_WINDOW_VITE_DEV_SERVER_URL : undefined
  const promptName = typeof PASSPHRASE_WINDOW_VITE_NAME === 'string' ? PASSPHRASE_WINDOW_VITE_NAME : 'passphrase_window'
  return {
    main: page(mainDev, MAIN_WINDOW_HOST),
    passphrase: page(promptDev, PASSPHRASE_WINDOW_HOST),
    roots: {
      [MAIN_WINDOW_HOST]: join(buildDir, '..', '..', MAIN_WINDOW_DIR),
      [PASSPHRASE_WINDOW_HOST]: join(buildDir, '..', 'renderer', promptName)
    }
  }
}

function page (devServerUrl: string | undefined, host: string): RendererPage {
  const devOrigin = devServerUrl == null ? undefined : originOf(devServerUrl)
  if (devServerUrl != null && devOrigin != null) return { url: new URL('index.html', devServerUrl).href, origin: devOrigin, dev: true }
  return { url: `${appOrigin(host)}/index.html`, origin: appOrigin(host), dev: false }
}

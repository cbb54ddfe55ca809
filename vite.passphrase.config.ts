import { fileURLToPath } from 'node:url'
import { defineConfig } from 'vite'
import { contentSecurityPolicy } from './core/api/csp.js'
import type { Plugin } from 'vite'

/** Puts the app's CSP in the page's `<meta>` too (main also sends it as a header). */
function cspMeta (policy: string): Plugin {
  return {
    name: 'parley:csp-meta',
    transformIndexHtml: () => [{ tag: 'meta', attrs: { 'http-equiv': 'Content-Security-Policy', content: policy }, injectTo: 'head-prepend' }]
  }
}

/**
 * The passphrase prompt (electron/passphrase/), Forge renderer entry
 * `passphrase_window`. Its root is its own folder, so the output directory
 * Forge expects is given in full.
 */
export default defineConfig(({ command }) => ({
  root: fileURLToPath(new URL('./electron/passphrase/', import.meta.url)),
  build: {
    outDir: fileURLToPath(new URL('./.vite/renderer/passphrase_window/', import.meta.url)),
    emptyOutDir: true
  },
  // The prompt is an Electron page: the same policy main sends as a header, minus what a <meta> cannot carry.
  plugins: [cspMeta(contentSecurityPolicy({ target: command === 'serve' ? 'electron-dev' : 'meta' }))]
}))

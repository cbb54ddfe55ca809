import { fileURLToPath } from 'node:url'
import { defineConfig } from 'vite'
import { CONTENT_SECURITY_POLICY, DEV_SERVER_CONTENT_SECURITY_POLICY } from './electron/csp.js'
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
  plugins: [cspMeta(command === 'serve' ? DEV_SERVER_CONTENT_SECURITY_POLICY : CONTENT_SECURITY_POLICY)]
}))

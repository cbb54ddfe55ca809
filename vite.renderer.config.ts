import react from '@vitejs/plugin-react'
import { defineConfig } from 'vite'
import { contentSecurityPolicy } from './core/api/csp.js'
import type { Plugin } from 'vite'

/**
 * The policy the built UI ships with (core/api/csp.ts). Electron and the
 * daemon send theirs as a header too; the meta keeps the page strict when
 * opened any other way. Only in the build: the dev server injects inline
 * scripts and styles (hot reload) that this policy rightly forbids.
 */
function cspMeta (): Plugin {
  return {
    name: 'parley-csp-meta',
    apply: 'build',
    transformIndexHtml: () => [{ tag: 'meta', attrs: { 'http-equiv': 'Content-Security-Policy', content: contentSecurityPolicy({ target: 'meta' }) }, injectTo: 'head-prepend' }]
  }
}

/** The renderer: `npm run build:ui` writes dist/ui, which Electron loads and `parley daemon` serves. */
export default defineConfig({
  root: 'renderer',
  base: './',
  plugins: [react(), cspMeta()],
  build: {
    outDir: '../dist/ui',
    emptyOutDir: true,
    // Everything from files: an inlined data: asset would need a looser CSP.
    assetsInlineLimit: 0,
    // The module-preload polyfill is injected inline; every engine we run on has modulepreload.
    modulePreload: { polyfill: false },
    sourcemap: false
  }
})

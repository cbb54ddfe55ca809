import react from '@vitejs/plugin-react'
import { defineConfig } from 'vite'
import type { Plugin } from 'vite'

/**
 * The policy the built UI ships with. The Electron session and the daemon may
 * send a stricter header too; the meta keeps the page strict when opened any
 * other way. Only in the build: the dev server injects inline scripts and
 * styles (hot reload) that this policy rightly forbids.
 */
const CONTENT_SECURITY_POLICY = [
  "default-src 'self'",
  "script-src 'self'",
  "style-src 'self'",
  "img-src 'self'",
  // The daemon's RPC WebSocket is same-origin; CSP 3 lets 'self' cover ws: but older engines need it spelled out.
  "connect-src 'self' ws://127.0.0.1:* ws://localhost:*",
  "object-src 'none'",
  "base-uri 'none'",
  "form-action 'none'"
].join('; ')

function contentSecurityPolicy (): Plugin {
  return {
    name: 'parley-csp-meta',
    apply: 'build',
    transformIndexHtml: () => [{ tag: 'meta', attrs: { 'http-equiv': 'Content-Security-Policy', content: CONTENT_SECURITY_POLICY }, injectTo: 'head-prepend' }]
  }
}

/** The renderer: `npm run build:ui` writes dist/ui, which Electron loads and `parley daemon` serves. */
export default defineConfig({
  root: 'renderer',
  base: './',
  plugins: [react(), contentSecurityPolicy()],
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

import { defineConfig } from 'vite'

/**
 * Both sandboxed preloads (electron/preload.ts, electron/passphrase-preload.ts).
 * Sandboxed preloads cannot be ES modules, and package.json says "module",
 * so Forge's CommonJS output is named `.cjs`.
 */
export default defineConfig({
  build: {
    rollupOptions: { output: { entryFileNames: '[name].cjs' } }
  }
})

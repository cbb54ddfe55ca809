import { defineConfig } from 'vite'

/**
 * Electron main (electron/main.ts), as one ES module: `.mjs`, so it loads as
 * ESM whatever package.json says. Forge adds `electron` and Node's builtins
 * to `external`; everything else (zod, the key-file schema) is bundled.
 */
export default defineConfig({
  build: {
    target: 'node22',
    lib: { entry: 'electron/main.ts', formats: ['es'], fileName: () => 'main.mjs' },
    rollupOptions: { output: { codeSplitting: false } },
    sourcemap: true
  }
})

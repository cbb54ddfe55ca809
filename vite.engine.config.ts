import { defineConfig } from 'vite'
import { nativeExternals } from './electron/build/packaged-modules.js'

/**
 * The engine's utility process (electron/engine-host.ts): the whole core in
 * one ES module. Native addons stay external and ship in node_modules
 * (forge.config.ts); Electron 45 runs Node 22, hence the target.
 */
export default defineConfig({
  build: {
    target: 'node22',
    lib: { entry: 'electron/engine-host.ts', formats: ['es'], fileName: () => 'engine-host.mjs' },
    rollupOptions: {
      external: nativeExternals(),
      // 'node': CommonJS dependencies (ws and friends) `require` Node builtins; for ESM output
      // on Node, Rolldown then defines `require` with createRequire instead of failing at run time.
      platform: 'node',
      output: { codeSplitting: false }
    },
    sourcemap: true
  }
})

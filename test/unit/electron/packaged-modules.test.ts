import { fileURLToPath } from 'node:url'
import { describe, expect, it } from 'vitest'
import { NATIVE_PACKAGES, nativeExternals, packagerIgnore, runtimeClosure } from '../../../electron/build/packaged-modules.js'

const ROOT = fileURLToPath(new URL('../../../', import.meta.url))

describe('what the packaged app contains', () => {
  it('finds each native addon with its run-time dependencies and installed platform builds', () => {
    const closure = runtimeClosure(ROOT, NATIVE_PACKAGES)
    for (const dir of ['node_modules/@signalapp/sqlcipher', 'node_modules/libsql', 'node_modules/@neon-rs/load', 'node_modules/detect-libc', 'node_modules/@signalapp/libsignal-client', 'node_modules/node-gyp-build', 'node_modules/node-datachannel']) {
      expect(closure).toContain(dir)
    }
    expect(closure.some(dir => dir.startsWith('node_modules/@libsql/'))).toBe(true)
    // Nothing JavaScript-only that the bundle already holds.
    expect(closure.some(dir => dir.includes('libp2p'))).toBe(false)
    expect(() => runtimeClosure(ROOT, ['no-such-package-anywhere'])).toThrow(/not installed/)
  })

  it('keeps the bundles, the built UI and those modules, and nothing else', () => {
    const ignore = packagerIgnore(['node_modules/libsql', 'node_modules/@libsql/linux-x64-gnu', 'node_modules/@signalapp/libsignal-client'], { platform: 'linux', arch: 'x64' })
    for (const kept of ['', '/package.json', '/.vite', '/.vite/build/main.mjs', '/dist', '/dist/ui', '/dist/ui/index.html', '/node_modules', '/node_modules/libsql', '/node_modules/libsql/index.js',
      '/node_modules/@libsql', '/node_modules/@libsql/linux-x64-gnu/index.node', '/node_modules/@signalapp/libsignal-client/prebuilds/linux-x64/x.node']) {
      expect(ignore(kept), kept).toBe(false)
    }
    for (const dropped of ['/electron', '/electron/main.ts', '/core', '/src', '/dist/core', '/dist/core/host/daemon.js', '/node_modules/libp2p', '/node_modules/libsqlx', '/node_modules/@libsql/darwin-arm64',
      '/node_modules/@signalapp/libsignal-client/prebuilds/win32-x64', '/node_modules/@signalapp/libsignal-client/prebuilds/darwin-arm64/x.node', '/forge.config.ts', '/.ci/run']) {
      expect(ignore(dropped), dropped).toBe(true)
    }
  })

  it('keeps the native packages (and their subpaths) out of the engine bundle', () => {
    const externals = nativeExternals()
    const external = (id: string): boolean => externals.some(re => re.test(id))
    expect(external('libsql')).toBe(true)
    expect(external('@signalapp/sqlcipher')).toBe(true)
    expect(external('@signalapp/libsignal-client')).toBe(true)
    expect(external('@signalapp/libsignal-client/zkgroup')).toBe(true)
    expect(external('node-datachannel/polyfill')).toBe(true)
    expect(external('libsql-other')).toBe(false)
    expect(external('@libp2p/webrtc')).toBe(false)
  })
})

import { createRequire } from 'node:module'
import { fileURLToPath } from 'node:url'
import { NATIVE_PACKAGES, packagerIgnore, runtimeClosure } from './electron/build/packaged-modules.js'
import { FUSES } from './electron/fuses.js'
import type { MakerDebConfig } from '@electron-forge/maker-deb/dist/Config.js'
import type { MakerZIPConfig } from '@electron-forge/maker-zip/dist/Config.js'
import type { VitePluginConfig } from '@electron-forge/plugin-vite/dist/Config.js'
import type { FuseV1Config } from '@electron/fuses'
import type { Options as PackagerOptions } from '@electron/packager'

/*
 * Forge's own typings do not compile with skipLibCheck off (shared-types pulls
 * in listr2, whose types need rxjs; plugin-vite names an undeclared NewCtx),
 * so the plugin and maker classes are loaded untyped and given the shapes
 * used here; their option types come from the packages' Config files.
 */
const require = createRequire(import.meta.url)
type ForgePart = object
const { MakerDeb } = require('@electron-forge/maker-deb') as { MakerDeb: new (config: MakerDebConfig) => ForgePart }
const { MakerZIP } = require('@electron-forge/maker-zip') as { MakerZIP: new (config: MakerZIPConfig, platforms: string[]) => ForgePart }
const { FusesPlugin } = require('@electron-forge/plugin-fuses') as { FusesPlugin: new (config: FuseV1Config) => ForgePart }
const { VitePlugin } = require('@electron-forge/plugin-vite') as { VitePlugin: new (config: VitePluginConfig) => ForgePart }

/** The part of Forge's `ForgeConfig` this file sets. */
interface ForgeConfig {
  packagerConfig: Partial<PackagerOptions>
  rebuildConfig: { onlyModules?: string[] }
  makers: ForgePart[]
  plugins: ForgePart[]
}

const projectDir = fileURLToPath(new URL('.', import.meta.url))

/**
 * The desktop app: Electron 45 through Forge's Vite plugin. `npm start` runs
 * it from source, `npm run package` builds it for this machine's platform,
 * `npm run make` adds a .deb and a .zip. See README.md, "Desktop app".
 */
const config: ForgeConfig = {
  packagerConfig: {
    name: 'Parley',
    // Not `parley`: that is the CLI's name.
    executableName: 'parley-desktop',
    asar: { unpack: '**/*.node' },
    // Only the Vite bundles and the native addons' packages go in. Pruning would
    // re-add every production dependency, which the bundles already contain.
    prune: false,
    ignore: packagerIgnore(runtimeClosure(projectDir, NATIVE_PACKAGES), { platform: process.platform, arch: process.arch })
  },
  // All native addons are N-API prebuilds: nothing to compile against Electron's headers.
  rebuildConfig: { onlyModules: [] },
  makers: [
    new MakerDeb({
      options: {
        name: 'parley-desktop',
        bin: 'parley-desktop',
        productName: 'Parley',
        genericName: 'Messenger',
        section: 'net',
        categories: ['Network']
      }
    }),
    new MakerZIP({}, ['linux', 'darwin', 'win32'])
  ],
  plugins: [
    new VitePlugin({
      build: [
        { entry: 'electron/main.ts', config: 'vite.main.config.ts', target: 'main' },
        { entry: 'electron/engine-host.ts', config: 'vite.engine.config.ts', target: 'main' },
        { entry: 'electron/preload.ts', config: 'vite.preload.config.ts', target: 'preload' },
        { entry: 'electron/passphrase-preload.ts', config: 'vite.preload.config.ts', target: 'preload' }
      ],
      renderer: [
        // The chat UI belongs to renderer/ and its own Vite config.
        { name: 'main_window', config: 'vite.renderer.config.ts' },
        { name: 'passphrase_window', config: 'vite.passphrase.config.ts' }
      ]
    }),
    new FusesPlugin(FUSES)
  ]
}

export default config

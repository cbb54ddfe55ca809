import { existsSync, readFileSync } from 'node:fs'
import { dirname, join, relative, sep } from 'node:path'

/**
 * Build-time helpers for forge.config.ts and vite.engine.config.ts. The Vite
 * bundles hold all JavaScript; only native addons stay outside, loaded from
 * node_modules at run time. All are N-API, so they need no rebuild for
 * Electron. libsql is there only to move a data directory made before the
 * store used SQLCipher.
 */
export const NATIVE_PACKAGES: readonly string[] = ['@signalapp/sqlcipher', 'libsql', '@signalapp/libsignal-client', 'node-datachannel']

/** Rollup `external` patterns for the native packages and their subpaths. */
export function nativeExternals (): RegExp[] {
  return NATIVE_PACKAGES.map(name => new RegExp(`^${name.replace(/[.*+?^${}()|[\]\\/]/g, '\\$&')}(/|$)`))
}

interface PackageJson {
  dependencies?: Record<string, string>
  optionalDependencies?: Record<string, string>
}

/**
 * Every package `names` need at run time (dependencies, and optional ones
 * that are installed: the platform builds), as project-relative directories
 * with forward slashes, e.g. `node_modules/@libsql/linux-x64-gnu`.
 */
export function runtimeClosure (projectDir: string, names: readonly string[]): string[] {
  const found = new Set<string>()
  const visit = (name: string, fromDir: string, optional: boolean): void => {
    const dir = locate(projectDir, name, fromDir)
    if (dir == null) {
      if (optional) return
      throw new Error(`${name} is needed at run time but is not installed (from ${relative(projectDir, fromDir) || '.'})`)
    }
    const key = relative(projectDir, dir).split(sep).join('/')
    if (found.has(key)) return
    found.add(key)
    const pkg = JSON.parse(readFileSync(join(dir, 'package.json'), 'utf8')) as PackageJson
    for (const dep of Object.keys(pkg.dependencies ?? {})) visit(dep, dir, false)
    for (const dep of Object.keys(pkg.optionalDependencies ?? {})) visit(dep, dir, true)
  }
  for (const name of names) visit(name, projectDir, false)
  return [...found].sort()
}

/** Node's lookup: `node_modules/<name>` in `fromDir`, then in each parent up to the project. */
function locate (projectDir: string, name: string, fromDir: string): string | undefined {
  for (let dir = fromDir; ; dir = dirname(dir)) {
    const candidate = join(dir, 'node_modules', name)
    if (existsSync(join(candidate, 'package.json'))) return candidate
    if (dir === projectDir || dirname(dir) === dir) return undefined
  }
}

/** The chat UI's build (vite.renderer.config.ts writes it there; the daemon serves it too). */
const RENDERER_OUTPUT = '/dist/ui'

/**
 * An `ignore` function for @electron/packager (paths are app-relative with a
 * leading `/`): keep package.json, the Vite output in `.vite/` and `dist/ui`,
 * and the given modules; drop everything else. libsignal ships prebuilds for six
 * platforms (150 MB); only `platform-arch` is kept.
 */
export function packagerIgnore (keep: readonly string[], target: { platform: string, arch: string }): (file: string) => boolean {
  const kept = keep.map(dir => `/${dir}`)
  const prebuilds = '/node_modules/@signalapp/libsignal-client/prebuilds/'
  return file => {
    if (file === '' || file === '/package.json' || file === '/node_modules') return false
    if (file === '/.vite' || file.startsWith('/.vite/')) return false
    if (file === '/dist' || file === RENDERER_OUTPUT || file.startsWith(`${RENDERER_OUTPUT}/`)) return false
    if (file.startsWith(prebuilds)) return !file.slice(prebuilds.length).startsWith(`${target.platform}-${target.arch}`)
    // A kept module, something inside one, or a folder on the way to one (`/node_modules/@libsql`).
    return !kept.some(dir => file === dir || file.startsWith(`${dir}/`) || dir.startsWith(`${file}/`))
  }
}

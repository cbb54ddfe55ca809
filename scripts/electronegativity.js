#!/usr/bin/env node
/**
 * Electronegativity on the desktop app, offline, as a CI gate:
 *
 *   node scripts/electronegativity.js            (npm run audit:electron)
 *   node scripts/electronegativity.js DIR...     (other folders, e.g. a test fixture)
 *
 * Scans electron/ and, when it has been built, the renderer in dist/ui, as
 * one app (its global checks, such as "is there a will-navigate handler",
 * look across main and renderer together) and as Electron 45.5.0 (the `-e`
 * of the CLI, so it never looks up Electron releases). Prints every finding; exits 1 on any HIGH or MEDIUM finding
 * with FIRM or CERTAIN confidence, or on a file it could not parse (an
 * unscanned file must not pass). Exceptions are inline `eng-disable`
 * comments next to the code, each with its reason.
 *
 * Why not the CLI: its bin calls `commander.version()` from a `commander` it
 * does not declare, and the hoisted commander 14 has a different API, so
 * `npx electronegativity` crashes before scanning. The CLI is a thin wrapper
 * around dist/runner.js, which returns the same issues it writes with `-o`
 * (CSV/SARIF); this script calls the runner and reads those.
 *
 * Offline: the runner fetches translations and Electron's release list with
 * `got`. A stub that fails at once stands in for it, so no request leaves
 * the machine and nothing waits on a timeout.
 */
import { cpSync, existsSync, mkdtempSync, rmSync } from 'node:fs'
import Module, { createRequire } from 'node:module'
import { tmpdir } from 'node:os'
import { basename, dirname, isAbsolute, join, relative, resolve } from 'node:path'
import { fileURLToPath } from 'node:url'

const ROOT = join(dirname(fileURLToPath(import.meta.url)), '..')
const ELECTRON_VERSION = '45.5.0'
const TARGETS = process.argv.length > 2 ? process.argv.slice(2) : ['electron', 'dist/ui']
const FAILING_SEVERITY = new Set(['HIGH', 'MEDIUM'])
const FAILING_CONFIDENCE = new Set(['FIRM', 'CERTAIN'])

const require = createRequire(import.meta.url)
const packageDir = dirname(require.resolve('@doyensec/electronegativity/package.json'))

function stubNetwork () {
  const gotPath = createRequire(join(packageDir, 'dist', 'runner.js')).resolve('got')
  const offline = () => Promise.reject(new Error('electronegativity runs offline here'))
  offline.head = offline
  offline.default = offline
  const stub = new Module(gotPath)
  stub.filename = gotPath
  stub.loaded = true
  stub.exports = offline
  require.cache[gotPath] = stub
}

/** Copies the targets that exist into one folder, so the runner scans them as one app. */
function stage (targets) {
  const dir = mkdtempSync(join(tmpdir(), 'parley-electronegativity-'))
  const staged = []
  for (const target of targets) {
    const source = resolve(ROOT, target)
    if (!existsSync(source)) {
      console.log(`electronegativity: ${target} does not exist, not scanned`)
      continue
    }
    cpSync(source, join(dir, isAbsolute(target) ? basename(target) : target), { recursive: true })
    staged.push(target)
  }
  return { dir, staged }
}

async function scan (run, input) {
  const result = await run({
    input,
    customScan: [],
    excludeFromScan: [],
    isRelative: false,
    isVerbose: true,
    electronVersionOverride: ELECTRON_VERSION,
    parserPlugins: []
  }, false)
  const where = file => (file === 'N/A' ? '(whole app)' : relative(input, file))
  return {
    issues: result.issues.map(issue => ({
      id: issue.id,
      severity: issue.severity.name,
      confidence: issue.confidence.name,
      where: `${where(issue.file)}:${issue.location?.line ?? 0}:${issue.location?.column ?? 0}`,
      description: String(issue.description ?? '').replace(/\s+/g, ' ').trim(),
      manualReview: issue.manualReview === true
    })),
    errors: result.errors.map(error => ({ where: relative(input, error.file), message: error.message, tolerable: error.tolerable === true }))
  }
}

async function main () {
  stubNetwork()
  // With the fetch stubbed, the runner prints that it could not get translations or releases; that is expected.
  const run = require(join(packageDir, 'dist', 'runner.js'))
  const { dir, staged } = stage(TARGETS)
  let result
  try {
    result = await scan(run, dir)
  } finally {
    rmSync(dir, { recursive: true, force: true })
  }
  const { issues, errors } = result
  const failing = issues.filter(i => FAILING_SEVERITY.has(i.severity) && FAILING_CONFIDENCE.has(i.confidence))
  console.log(`electronegativity ${ELECTRON_VERSION}: scanned ${staged.join(' + ')}: ${issues.length} findings, ${failing.length} HIGH/MEDIUM at FIRM/CERTAIN confidence`)
  for (const issue of issues) {
    const mark = failing.includes(issue) ? 'FAIL' : 'info'
    console.log(`  ${mark} ${issue.severity}/${issue.confidence} ${issue.id} ${issue.where}${issue.manualReview ? ' (review)' : ''}\n       ${issue.description}`)
  }
  let failures = failing.length
  for (const error of errors) {
    console.log(`  ${error.tolerable ? 'warn' : 'FAIL'} could not parse ${error.where}: ${error.message}`)
    if (!error.tolerable) failures++
  }
  if (failures > 0) {
    console.error(`electronegativity: ${failures} failing finding(s)`)
    process.exit(1)
  }
  console.log('electronegativity: 0 high, 0 medium (firm/certain)')
}

main().catch(err => {
  console.error(err)
  process.exit(1)
})

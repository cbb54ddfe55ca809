import { spawn } from 'node:child_process'
import { existsSync } from 'node:fs'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { chromium } from 'playwright-core'
import { Child } from '../helpers/child.js'
import type { Browser } from 'playwright-core'

/**
 * What the browser end-to-end tests run on: the real `bin/parley` (a relay
 * and daemons in browser mode, all on 127.0.0.1) and Debian's Chromium.
 */

export const REPO = fileURLToPath(new URL('../../', import.meta.url))
export const PARLEY = join(REPO, 'bin', 'parley')
export const UI_DIR = join(REPO, 'dist', 'ui')
/** Debian's package (`apt-get install chromium`); Playwright's own downloads are never used. */
export const CHROMIUM = '/usr/bin/chromium'
export const SCREENSHOTS = join(REPO, 'test', 'e2e', 'screenshots')

const CHROMIUM_ARGS = ['--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking',
  '--disable-component-update', '--disable-sync', '--no-first-run']

/**
 * Builds the engine and the renderer when this checkout has none. `npm test`
 * rebuilds both first (pretest); a lone `vitest run test/e2e` uses what is there.
 */
export async function ensureBuilt (): Promise<void> {
  if (!existsSync(join(REPO, 'dist', 'core', 'cli', 'main.js'))) await npmRun('build')
  if (!existsSync(join(UI_DIR, 'index.html'))) await npmRun('build:ui')
}

async function npmRun (script: string): Promise<void> {
  const child = spawn('npm', ['run', '--silent', script], { cwd: REPO, stdio: ['ignore', 'ignore', 'pipe'] })
  let stderr = ''
  child.stderr.on('data', (chunk: Buffer) => { stderr += chunk.toString() })
  const code = await new Promise<number | null>(resolve => { child.on('exit', resolve) })
  if (code !== 0) throw new Error(`npm run ${script} failed (${code}): ${stderr.slice(-2000)}`)
}

export async function launchChromium (): Promise<Browser> {
  if (!existsSync(CHROMIUM)) throw new Error(`no ${CHROMIUM}: install Debian's chromium (apt-get install chromium); .ci/run does`)
  // `launch` gives every run a fresh temporary profile and deletes it on close.
  return await chromium.launch({ executablePath: CHROMIUM, args: CHROMIUM_ARGS })
}


/** The `parley` processes of one test; `stopAll` ends every one still running. */
export class Network {
  readonly children: Child[] = []
  relayAddr = ''

  constructor (private readonly root: string, private readonly env: NodeJS.ProcessEnv) {}

  async startRelay (): Promise<void> {
    const relay = this.spawn(['relay', '--data', join(this.root, 'relay'), '--listen', '/ip4/127.0.0.1/tcp/0'])
    await relay.line('relay ready ')
    const tcp = relay.lines.find(l => l.startsWith('/ip4/127.0.0.1/tcp/') && !l.includes('/ws'))
    if (tcp == null) throw new Error(`the relay printed no TCP address: ${relay.lines.join('\n')}`)
    this.relayAddr = tcp
  }

  /**
   * `parley daemon --ui` for `name`; resolves with the process and its `ui`
   * address (token included). `apiPort` keeps the page's origin across restarts.
   */
  async startDaemon (name: string, apiPort?: number): Promise<{ daemon: Child, ui: string }> {
    const daemon = this.spawn(['daemon', '--ui', '--data', join(this.root, name), '--network', 'sim',
      '--listen', '/ip4/127.0.0.1/tcp/0', '--bootstrap', this.relayAddr,
      ...(apiPort == null ? [] : ['--api-port', String(apiPort)])])
    const line = await daemon.line('ui ')
    return { daemon, ui: line.slice('ui '.length) }
  }

  async stopAll (): Promise<void> {
    await Promise.all(this.children.map(async c => { await c.kill() }))
  }

  private spawn (args: string[]): Child {
    const child = new Child(PARLEY, args, this.env)
    this.children.push(child)
    return child
  }
}

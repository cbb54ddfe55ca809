import { readFileSync, statSync, writeFileSync } from 'node:fs'
import { createServer } from 'node:net'
import { join } from 'node:path'
import { afterEach, describe, expect, it } from 'vitest'
import { WebSocket } from 'ws'
import { authSubprotocols } from '../../core/api/websocket-auth.js'
import { readApiFile } from '../../core/host/api-file.js'
import { API_TOKEN_FILE } from '../../core/host/api-token.js'
import { startDaemon } from '../../core/host/daemon.js'
import { simKeyWrapper } from '../../core/sim/harness.js'
import { tempDir } from '../helpers/temp.js'
import type { RunningDaemon } from '../../core/host/daemon.js'

/**
 * A browser tab keeps the token it was opened with, and its origin holds the
 * port: the daemon keeps both across restarts, so the tab can reload into the
 * new run. (Daemons on an empty data dir: onboarding needs no network.)
 */
const dirs: Array<{ remove: () => void }> = []
const running: RunningDaemon[] = []
afterEach(async () => {
  for (const daemon of running.splice(0)) await daemon.stop()
  for (const dir of dirs.splice(0)) dir.remove()
})

async function start (dataDir: string, options: { newToken?: boolean, apiPort?: number } = {}): Promise<RunningDaemon & { token: string }> {
  const daemon = await startDaemon({ dataDir, wrapper: simKeyWrapper(), preset: 'sim', listen: ['/ip4/127.0.0.1/tcp/0'], ...options })
  running.push(daemon)
  const api = readApiFile(dataDir)
  if (api == null) throw new Error('no api.json')
  return { ...daemon, token: api.token }
}

async function stop (daemon: RunningDaemon): Promise<void> {
  await daemon.stop()
  running.splice(running.indexOf(daemon), 1)
}

/** Whether a browser-style connection (token as a subprotocol) with `token` opens. */
async function opens (url: string, token: string): Promise<boolean> {
  const socket = new WebSocket(url, authSubprotocols(token))
  return await new Promise(resolve => {
    socket.once('open', () => { socket.close(); resolve(true) })
    socket.once('error', () => { resolve(false) })
  })
}

function newDataDir (): string {
  const dir = tempDir('parley-daemon-token')
  dirs.push(dir)
  return join(dir.path, 'data')
}

describe('the daemon API token', () => {
  it('stays the same, on the same port, across restarts, so an open tab can reload', async () => {
    const dataDir = newDataDir()
    const first = await start(dataDir)
    expect(first.token).toMatch(/^[\w-]{43}$/)
    expect(statSync(join(dataDir, API_TOKEN_FILE)).mode & 0o777).toBe(0o600)
    await stop(first)

    const second = await start(dataDir)
    expect(second.token).toBe(first.token)
    expect(second.url).toBe(first.url)
    expect(second.uiUrl).toBe(first.uiUrl)
    expect(await opens(second.url, first.token)).toBe(true)
  })

  it('is replaced by --new-token, and the old one stops working', async () => {
    const dataDir = newDataDir()
    const first = await start(dataDir)
    await stop(first)
    const renewed = await start(dataDir, { newToken: true })
    expect(renewed.token).not.toBe(first.token)
    expect(await opens(renewed.url, first.token)).toBe(false)
    expect(await opens(renewed.url, renewed.token)).toBe(true)
    await stop(renewed)
    // The new one is the one kept.
    expect((await start(dataDir)).token).toBe(renewed.token)
  })

  it('moves to a free port when its old one is taken, and starts afresh from a damaged file', async () => {
    const dataDir = newDataDir()
    const first = await start(dataDir)
    const port = Number(new URL(first.url).port)
    await stop(first)

    const squatter = createServer()
    await new Promise<void>(resolve => { squatter.listen(port, '127.0.0.1', resolve) })
    try {
      const moved = await start(dataDir)
      expect(moved.url).not.toBe(first.url)
      expect(moved.token).toBe(first.token)
      await stop(moved)
    } finally {
      await new Promise<void>(resolve => { squatter.close(() => { resolve() }) })
    }

    writeFileSync(join(dataDir, API_TOKEN_FILE), '{"token": "short"}')
    const fresh = await start(dataDir)
    expect(fresh.token).not.toBe(first.token)
    expect(JSON.parse(readFileSync(join(dataDir, API_TOKEN_FILE), 'utf8'))).toEqual({ token: fresh.token, port: Number(new URL(fresh.url).port) })
  })
})

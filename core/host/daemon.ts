import { randomBytes } from 'node:crypto'
import { ParleyHost } from './api-host.js'
import { removeApiFile, writeApiFile } from './api-file.js'
import { startApiServer } from './api-server.js'
import { createUiHandler } from './ui-server.js'
import type { HostOptions } from './api-host.js'

export interface DaemonOptions extends HostOptions {
  /** Port of the API on 127.0.0.1; 0 or absent picks a free one. */
  apiPort?: number
  /** Browser origins allowed to open the API (the daemon's own UI); clients without an Origin need only the token. */
  allowedOrigins?: string[]
  /** Serve the built renderer from this directory (browser mode); it must hold index.html. */
  uiDir?: string
}

export interface RunningDaemon {
  host: ParleyHost
  /** The API's WebSocket address, without the token (that is in api.json). */
  url: string
  /** Browser mode only: the page to open, `http://127.0.0.1:<port>/#token=<token>`. It carries the token. */
  uiUrl?: string
  stop: () => Promise<void>
}

/** 32 random bytes: the API's bearer token, readable only through the 0600 api.json. */
const TOKEN_BYTES = 32

/**
 * The headless engine: a `ParleyHost` serving the API over a WebSocket on
 * 127.0.0.1, announced in `<data dir>/api.json` for the CLI and scripts.
 */
export async function startDaemon (options: DaemonOptions): Promise<RunningDaemon> {
  // Before the database opens: a missing UI build is a usage error, not a half-started daemon.
  const httpHandler = options.uiDir == null ? undefined : createUiHandler({ root: options.uiDir })
  const host = await ParleyHost.open(options)
  try {
    const token = randomBytes(TOKEN_BYTES).toString('base64url')
    const server = await startApiServer({ rpc: host.rpc, token, port: options.apiPort ?? 0, allowedOrigins: options.allowedOrigins, httpHandler })
    writeApiFile(options.dataDir, { url: server.url, token, pid: process.pid })
    let stopping: Promise<void> | undefined
    const stop = async (): Promise<void> => {
      stopping ??= (async () => {
        removeApiFile(options.dataDir, process.pid)
        await server.close()
        await host.stop()
      })()
      await stopping
    }
    // The token rides in the fragment, which browsers never send to a server or put in a Referer.
    const uiUrl = httpHandler == null ? undefined : `http://127.0.0.1:${server.port}/#token=${token}`
    return { host, url: server.url, uiUrl, stop }
  } catch (err) {
    await host.stop()
    throw err
  }
}

import { ParleyHost } from './api-host.js'
import { removeApiFile, writeApiFile } from './api-file.js'
import { startApiServer } from './api-server.js'
import { loadApiCredentials, saveApiCredentials } from './api-token.js'
import { createUiHandler } from './ui-server.js'
import type { HostOptions } from './api-host.js'

export interface DaemonOptions extends HostOptions {
  /** Port of the API on 127.0.0.1; absent: the port of the last run if it is free, else any free one. 0: any. */
  apiPort?: number
  /** Make a new API token instead of keeping the one from the last run (api-token.ts). */
  newToken?: boolean
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

/**
 * The headless engine: a `ParleyHost` serving the API over a WebSocket on
 * 127.0.0.1, announced in `<data dir>/api.json` for the CLI and scripts.
 */
export async function startDaemon (options: DaemonOptions): Promise<RunningDaemon> {
  // Before the database opens: a missing UI build is a usage error, not a half-started daemon.
  const httpHandler = options.uiDir == null ? undefined : createUiHandler({ root: options.uiDir })
  const host = await ParleyHost.open(options)
  try {
    // The same token and port as last time, so an open browser tab can reload into this run.
    const saved = loadApiCredentials(options.dataDir, { renew: options.newToken })
    const { token } = saved
    const serve = async (port: number): Promise<Awaited<ReturnType<typeof startApiServer>>> =>
      await startApiServer({ rpc: host.rpc, token, port, allowedOrigins: options.allowedOrigins, httpHandler })
    const lastPort = options.apiPort == null ? saved.port : undefined
    const server = lastPort == null
      ? await serve(options.apiPort ?? 0)
      : await serve(lastPort).catch(async () => await serve(0)) // taken meanwhile: any port beats none
    saveApiCredentials(options.dataDir, { token, port: server.port })
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

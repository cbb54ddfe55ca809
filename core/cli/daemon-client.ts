import { WebSocket } from 'ws'
import { parleyContract } from '../api/contract.js'
import { portFromWebSocket } from '../api/ports.js'
import { RpcClient } from '../api/rpc-client.js'
import { ParleyError, errorMessage } from '../errors.js'
import { readApiFile } from '../host/api-file.js'
import type { ParleyContract } from '../api/contract.js'

export type DaemonClient = RpcClient<ParleyContract>

const CONNECT_TIMEOUT_MS = 5000

function noDaemon (dataDir: string, why: string): ParleyError {
  return new ParleyError('no_daemon', `no Parley daemon is running for ${dataDir} (${why}); start one with "parley daemon --data ${dataDir}"`)
}

/**
 * Connects to the daemon of `dataDir` through the address and token in its
 * api.json. Any failure to reach it is `no_daemon` (exit code 3).
 */
export async function connectToDaemon (dataDir: string): Promise<DaemonClient> {
  let api
  try {
    api = readApiFile(dataDir)
  } catch (err) {
    // A daemon writes api.json whole (atomic rename): one that is not well-formed was not written by a running daemon.
    throw noDaemon(dataDir, errorMessage(err))
  }
  if (api == null) throw noDaemon(dataDir, 'no api.json')
  const url = new URL(api.url)
  url.searchParams.set('token', api.token)
  const socket = new WebSocket(url)
  await new Promise<void>((resolve, reject) => {
    const timer = setTimeout(() => {
      socket.terminate()
      reject(noDaemon(dataDir, `${api.url} did not answer within ${CONNECT_TIMEOUT_MS / 1000} s`))
    }, CONNECT_TIMEOUT_MS)
    socket.once('open', () => { clearTimeout(timer); resolve() })
    socket.once('error', err => { clearTimeout(timer); reject(noDaemon(dataDir, errorMessage(err))) })
  })
  return new RpcClient(parleyContract, portFromWebSocket(socket))
}

/** Runs `fn` with a connected client and always closes it. */
export async function withDaemon<T> (dataDir: string, fn: (client: DaemonClient) => Promise<T>): Promise<T> {
  const client = await connectToDaemon(dataDir)
  try {
    return await fn(client)
  } finally {
    client.close()
  }
}

import { createServer } from 'node:http'
import type { IncomingMessage, ServerResponse } from 'node:http'
import type { Registry } from 'prom-client'
import { errorMessage, ParleyError } from '../errors.js'

export interface MetricsServer {
  port: number
  close: () => Promise<void>
}

/**
 * Serves `GET /metrics` from `registry` on 127.0.0.1 only: metrics reveal
 * who is connected, so they are for a local scraper or an SSH tunnel, never
 * the open internet. Every other path is 404.
 */
export async function startMetricsServer (registry: Registry, port: number): Promise<MetricsServer> {
  const server = createServer((req, res) => { void respond(registry, req, res) })
  await new Promise<void>((resolve, reject) => {
    const onError = (err: Error): void => {
      reject(new ParleyError('internal', `cannot serve metrics on 127.0.0.1:${port}: ${err.message}`, { cause: err }))
    }
    server.once('error', onError)
    server.listen(port, '127.0.0.1', () => {
      server.off('error', onError)
      resolve()
    })
  })
  const address = server.address()
  return {
    port: typeof address === 'object' && address != null ? address.port : port,
    close: async () => {
      server.closeAllConnections()
      await new Promise<void>((resolve) => { server.close(() => { resolve() }) })
    }
  }
}

async function respond (registry: Registry, req: IncomingMessage, res: ServerResponse): Promise<void> {
  const path = (req.url ?? '').split('?')[0]
  if (path !== '/metrics' || (req.method !== 'GET' && req.method !== 'HEAD')) {
    res.writeHead(404, { 'content-type': 'text/plain' }).end('not found\n')
    return
  }
  try {
    const body = await registry.metrics()
    res.writeHead(200, { 'content-type': registry.contentType }).end(req.method === 'HEAD' ? undefined : body)
  } catch (err) {
    res.writeHead(500, { 'content-type': 'text/plain' }).end(`${errorMessage(err)}\n`)
  }
}

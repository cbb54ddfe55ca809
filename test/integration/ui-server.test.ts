import { mkdirSync, realpathSync, symlinkSync, writeFileSync } from 'node:fs'
import { request } from 'node:http'
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { WebSocket } from 'ws'
import { RpcServer } from '../../core/api/rpc-server.js'
import { startApiServer } from '../../core/host/api-server.js'
import { contentSecurityPolicy } from '../../core/api/csp.js'
import { createUiHandler, resolveRequest } from '../../core/host/ui-server.js'
import { tempDir } from '../helpers/temp.js'
import type { ApiServer } from '../../core/host/api-server.js'

/** The static handler behind `parley daemon --ui`, on a real API server over a fake build. */
const dir = tempDir('parley-ui')
const root = join(dir.path, 'ui')
const TOKEN = 'token-for-tests-0123456789abcdef'
const INDEX = '<!doctype html><title>Parley</title><script type="module" src="/assets/app.js"></script>'
let api: ApiServer

interface Reply { status: number, headers: Record<string, string | string[] | undefined>, body: string }

/** A raw HTTP request: `fetch` and `URL` would normalise the very paths under test. */
async function get (path: string, options: { method?: string, host?: string } = {}): Promise<Reply> {
  return await new Promise((resolve, reject) => {
    const req = request({
      host: '127.0.0.1',
      port: api.port,
      path,
      method: options.method ?? 'GET',
      headers: { host: options.host ?? `127.0.0.1:${api.port}` }
    }, res => {
      let body = ''
      res.setEncoding('utf8')
      res.on('data', (chunk: string) => { body += chunk })
      res.on('end', () => { resolve({ status: res.statusCode ?? 0, headers: res.headers, body }) })
    })
    req.on('error', reject)
    req.end()
  })
}

beforeAll(async () => {
  mkdirSync(join(root, 'assets'), { recursive: true })
  writeFileSync(join(root, 'index.html'), INDEX)
  writeFileSync(join(root, 'assets', 'app.js'), 'console.log("app")')
  writeFileSync(join(root, 'assets', 'app.css'), 'body{}')
  writeFileSync(join(root, 'assets', 'logo.svg'), '<svg xmlns="http://www.w3.org/2000/svg"/>')
  writeFileSync(join(root, 'assets', 'blob.xyz'), 'opaque')
  writeFileSync(join(root, '.env'), 'SECRET=1')
  writeFileSync(join(dir.path, 'secret.txt'), 'outside the build')
  symlinkSync(join(dir.path, 'secret.txt'), join(root, 'assets', 'escape.txt'))
  symlinkSync(dir.path, join(root, 'up'))
  writeFileSync(join(root, 'assets', 'real.txt'), 'inside')
  symlinkSync(join(root, 'assets', 'real.txt'), join(root, 'assets', 'alias.txt'))
  const rpc = new RpcServer({ methods: {}, events: {} }, {})
  api = await startApiServer({ rpc, token: TOKEN, httpHandler: createUiHandler({ root }) })
})

afterAll(async () => {
  await api.close()
  dir.remove()
})

describe('the UI static handler', () => {
  it('serves index.html at / with the CSP, nosniff, no-referrer and no-store', async () => {
    const reply = await get('/')
    expect(reply.status).toBe(200)
    expect(reply.body).toBe(INDEX)
    expect(reply.headers['content-type']).toBe('text/html; charset=utf-8')
    expect(reply.headers['cache-control']).toBe('no-store')
    expect(reply.headers['x-content-type-options']).toBe('nosniff')
    expect(reply.headers['referrer-policy']).toBe('no-referrer')
    const csp = String(reply.headers['content-security-policy'])
    expect(csp).toBe(contentSecurityPolicy({ target: 'daemon', port: api.port }))
    expect(csp).toContain("script-src 'self';")
    expect(csp).not.toContain('unsafe-inline')
    expect(csp).not.toContain('unsafe-eval')
    expect(csp).toContain(`connect-src 'self' ws://127.0.0.1:${api.port}`)
    for (const directive of ["object-src 'none'", "base-uri 'none'", "frame-ancestors 'none'", "form-action 'none'", "img-src 'self';"]) {
      expect(csp).toContain(directive)
    }
    expect(csp).not.toMatch(/data:|blob:/)
  })

  it('serves assets with their content types', async () => {
    const js = await get('/assets/app.js')
    expect(js.status).toBe(200)
    expect(js.body).toBe('console.log("app")')
    expect(js.headers['content-type']).toBe('text/javascript; charset=utf-8')
    expect(js.headers['cache-control']).toBe('no-cache')
    expect((await get('/assets/app.css')).headers['content-type']).toBe('text/css; charset=utf-8')
    expect((await get('/assets/logo.svg')).headers['content-type']).toBe('image/svg+xml')
    expect((await get('/assets/blob.xyz')).headers['content-type']).toBe('application/octet-stream')
    expect((await get('/assets/app.js?v=1')).status).toBe(200)
    expect((await get('/index.html')).headers['cache-control']).toBe('no-store')
  })

  it('falls back to index.html for client routes only, and 404s missing files', async () => {
    for (const route of ['/chat', '/chat/12D3KooWabc', '/settings/']) {
      const reply = await get(route)
      expect(reply.status, route).toBe(200)
      expect(reply.body, route).toBe(INDEX)
    }
    for (const missing of ['/assets/missing.js', '/favicon.ico', '/x.html']) {
      const reply = await get(missing)
      expect(reply.status, missing).toBe(404)
      expect(reply.headers['content-security-policy'], missing).toBe(contentSecurityPolicy({ target: 'daemon', port: api.port }))
      expect(reply.headers['x-content-type-options'], missing).toBe('nosniff')
    }
  })

  it('never leaves the build: traversal, encoded traversal, absolute paths, dotfiles, symlinks out', async () => {
    const attempts = [
      '/../secret.txt', '/assets/../../secret.txt', '/%2e%2e/secret.txt', '/%2E%2E/%2e%2e/secret.txt',
      '/assets/..%2f..%2fsecret.txt', '/..%2fsecret.txt', '/..%5csecret.txt', '/assets%2f..%2f..%2fsecret.txt',
      '//etc/passwd', `/${dir.path}/secret.txt`, `/%2f${dir.path.slice(1)}/secret.txt`, 'http://127.0.0.1/secret.txt',
      '/assets/escape.txt', '/up/secret.txt', '/.env', '/%00', '/index.html%00.js', '/%zz'
    ]
    for (const path of attempts) {
      const reply = await get(path)
      expect(reply.body, path).not.toContain('outside the build')
      expect(reply.body, path).not.toContain('SECRET')
      expect([400, 404], `${path} → ${reply.status}`).toContain(reply.status)
    }
    // A symlink that stays inside the build is fine.
    expect((await get('/assets/alias.txt')).body).toBe('inside')
  })

  it('answers HEAD without a body and refuses other methods with 405', async () => {
    const head = await get('/assets/app.js', { method: 'HEAD' })
    expect(head.status).toBe(200)
    expect(head.body).toBe('')
    expect(head.headers['content-length']).toBe(String('console.log("app")'.length))
    for (const method of ['POST', 'PUT', 'DELETE', 'OPTIONS', 'TRACE']) {
      const reply = await get('/', { method })
      expect(reply.status, method).toBe(405)
      expect(reply.headers.allow, method).toBe('GET, HEAD')
    }
  })

  it('serves only its own host names (DNS rebinding)', async () => {
    expect((await get('/', { host: `localhost:${api.port}` })).status).toBe(200)
    expect((await get('/', { host: 'evil.example' })).status).toBe(421)
    expect((await get('/', { host: `evil.example:${api.port}` })).status).toBe(421)
  })

  it('leaves the RPC WebSocket to the API server', async () => {
    const socket = new WebSocket(`${api.url}?token=${TOKEN}`, { origin: `http://127.0.0.1:${api.port}` })
    await new Promise((resolve, reject) => { socket.once('open', resolve); socket.once('error', reject) })
    socket.close()
  })

  it('refuses to start without a build, naming the fix', () => {
    expect(() => createUiHandler({ root: join(dir.path, 'missing') })).toThrow(/run npm run build:ui/)
  })

  it('resolves request paths without touching the network', () => {
    const real = realpathSync(root)
    const index = { file: join(real, 'index.html') }
    expect(resolveRequest(real, '/')).toEqual(index)
    expect(resolveRequest(real, '/a/b')).toEqual(index)
    expect(resolveRequest(real, '/a/b.js')).toEqual({ status: 404 })
    expect(resolveRequest(real, '/..%2f')).toEqual({ status: 400 })
    expect(resolveRequest(real, 'relative')).toEqual({ status: 400 })
  })
})

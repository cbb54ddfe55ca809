/**
 * Node 20 lacks two globals that libp2p 3 relies on. Every entry point (CLI,
 * host, tests via vitest `setupFiles`, benchmarks) imports this module before
 * anything from libp2p. Each polyfill is feature-detected, so on newer
 * runtimes (Electron's Node) this module does nothing.
 */
import { WebSocket as NodeWebSocket } from 'ws'

interface PromiseWithResolversShape<T> {
  promise: Promise<T>
  resolve: (value: T | PromiseLike<T>) => void
  reject: (reason?: unknown) => void
}

const promiseCtor = Promise as unknown as { withResolvers?: <T>() => PromiseWithResolversShape<T> }
if (typeof promiseCtor.withResolvers !== 'function') {
  promiseCtor.withResolvers = function withResolvers<T> (): PromiseWithResolversShape<T> {
    let resolve!: PromiseWithResolversShape<T>['resolve']
    let reject!: PromiseWithResolversShape<T>['reject']
    const promise = new Promise<T>((res, rej) => { resolve = res; reject = rej })
    return { promise, resolve, reject }
  }
}

const globals = globalThis as unknown as { WebSocket?: unknown }
if (typeof globals.WebSocket !== 'function') {
  // @libp2p/websockets dials with the global WebSocket; `ws` is API-compatible.
  globals.WebSocket = NodeWebSocket
}

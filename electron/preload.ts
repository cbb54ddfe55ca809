/**
 * Preload of the main window: sandboxed, and it exposes nothing to the page.
 * Its one job is the port hand-off: ask main for a port to the engine, then
 * post it to the page as `{ type: 'parley:port' }`. All further traffic flows
 * page ↔ engine over that port.
 *
 * A port can be transferred once, so it is posted only after the page says it
 * listens (`{ type: 'parley:ready' }`): posting earlier could lose it.
 */
import { ipcRenderer } from 'electron'
import { PORT_CHANNEL, PORT_MESSAGE_TYPE, PORT_REQUEST_CHANNEL, RENDERER_READY_TYPE } from './channels.js'

let port: MessagePort | undefined
let rendererReady = false

function handOver (): void {
  if (port == null || !rendererReady) return
  // Posted to this window only, for this origin only: no other frame or page can receive it.
  window.postMessage({ type: PORT_MESSAGE_TYPE }, window.location.origin, [port])
  port = undefined
}

window.addEventListener('message', event => {
  if (event.source !== window || event.origin !== window.location.origin) return
  const data: unknown = event.data
  if (typeof data === 'object' && data != null && (data as { type?: unknown }).type === RENDERER_READY_TYPE) {
    rendererReady = true
    handOver()
  }
})

ipcRenderer.on(PORT_CHANNEL, event => {
  const [received] = event.ports
  if (received == null) return
  port = received
  handOver()
})

ipcRenderer.send(PORT_REQUEST_CHANNEL)

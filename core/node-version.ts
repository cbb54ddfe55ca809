/**
 * Parley runs on the Node LTS lines 22.12+ and 24 (Electron bundles a newer
 * Node for the engine). Older runtimes lack what libp2p relies on
 * (`Promise.withResolvers`, a global `WebSocket`) and fail deep inside it with
 * a message that names neither. Entry points import this module first, so
 * such a runtime stops here with one that does.
 */
export const MINIMUM_NODE = [22, 12] as const

const [major = 0, minor = 0] = process.versions.node.split('.').map(Number)
if (major < MINIMUM_NODE[0] || (major === MINIMUM_NODE[0] && minor < MINIMUM_NODE[1])) {
  process.stderr.write(`error: Parley needs Node ${MINIMUM_NODE.join('.')} or newer; this is Node ${process.versions.node}\n`)
  process.exit(2)
}

import { readFrames, sendFrame } from '../wire/frames.js'
import type { ParleyNode } from '../net/presets.js'
import type { PeerId } from '@libp2p/interface'

/**
 * A bare framed echo protocol with none of Parley's crypto or storage: the
 * baseline that benchmarks divide by.
 */
export const ECHO_PROTOCOL = '/parley/sim/echo/1.0.0'

/** Echoes every frame back on the same stream. */
export async function serveEcho (node: ParleyNode): Promise<void> {
  await node.handle(ECHO_PROTOCOL, async (stream) => {
    for await (const frame of readFrames(stream)) await sendFrame(stream, frame)
    await stream.close()
  }, { runOnLimitedConnection: true })
}

/** One echo on a fresh stream over the existing connection, as Parley opens a stream per delivery. */
export async function echoOnce (from: ParleyNode, to: PeerId, payload = new Uint8Array(1)): Promise<void> {
  const stream = await from.dialProtocol(to, ECHO_PROTOCOL)
  await sendFrame(stream, payload)
  for await (const _ of readFrames(stream)) break
  await stream.close()
}

/** `count` frames of `size` bytes on one stream, each echoed back: raw framed throughput. */
export async function echoMany (from: ParleyNode, to: PeerId, count: number, size: number): Promise<void> {
  const stream = await from.dialProtocol(to, ECHO_PROTOCOL)
  const payload = new Uint8Array(size)
  const reading = (async () => {
    let n = 0
    for await (const _ of readFrames(stream)) if (++n === count) return
  })()
  for (let i = 0; i < count; i++) await sendFrame(stream, payload)
  await reading
  await stream.close()
}

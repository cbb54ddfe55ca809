import * as lp from 'it-length-prefixed'
import { ProtocolViolationError } from '../errors.js'
import { MAX_FRAME_BYTES } from './limits.js'
import type { AbortOptions, Stream } from '@libp2p/interface'

/**
 * Length-prefixed frames on a libp2p stream. Reading ends cleanly when the
 * remote closes its side; a length prefix over `maxBytes` throws before the
 * body is buffered, and the caller resets the stream.
 */
export async function * readFrames (stream: Stream, maxBytes = MAX_FRAME_BYTES): AsyncGenerator<Uint8Array> {
  try {
    for await (const frame of lp.decode(stream, { maxDataLength: maxBytes })) {
      yield frame.subarray()
    }
  } catch (err) {
    if (err instanceof Error && (err.name === 'InvalidDataLengthError' || err.name === 'InvalidDataLengthLengthError')) {
      throw new ProtocolViolationError(`frame larger than ${maxBytes} bytes`)
    }
    throw err
  }
}

/** Reads exactly one frame, or throws when the stream ends first. */
export async function readOneFrame (stream: Stream, maxBytes = MAX_FRAME_BYTES): Promise<Uint8Array> {
  for await (const frame of readFrames(stream, maxBytes)) return frame
  throw new ProtocolViolationError('the stream ended before a reply')
}

/**
 * Sends one frame, waiting while the stream's write buffer is full. Waits on
 * the 'drain' event and re-checks `writableNeedsDrain`, which stays correct
 * across repeated drains.
 */
export async function sendFrame (stream: Stream, frame: Uint8Array, options: AbortOptions = {}): Promise<void> {
  if (frame.byteLength > MAX_FRAME_BYTES) throw new ProtocolViolationError(`refusing to send a ${frame.byteLength}-byte frame`)
  stream.send(lp.encode.single(frame))
  while (stream.writableNeedsDrain) {
    options.signal?.throwIfAborted()
    await new Promise<void>((resolve, reject) => {
      const done = (): void => {
        stream.removeEventListener('drain', done)
        stream.removeEventListener('close', done)
        options.signal?.removeEventListener('abort', aborted)
        resolve()
      }
      const aborted = (): void => {
        done()
        const reason: unknown = options.signal?.reason
        reject(reason instanceof Error ? reason : new Error('aborted'))
      }
      stream.addEventListener('drain', done)
      stream.addEventListener('close', done)
      options.signal?.addEventListener('abort', aborted)
    })
    if (stream.status !== 'open') throw new Error(`stream ${stream.status} while sending`)
  }
}

/**
 * Resets `stream` when the remote sends nothing for `ms`: a peer that opens a
 * stream and goes quiet must not hold a handler forever. Returns a function
 * that cancels the watchdog.
 */
export function abortWhenIdle (stream: Stream, ms: number): () => void {
  let timer = setTimeout(expire, ms)
  function expire (): void {
    stream.abort(new ProtocolViolationError(`no data for ${ms} ms`))
  }
  const onMessage = (): void => {
    clearTimeout(timer)
    timer = setTimeout(expire, ms)
  }
  stream.addEventListener('message', onMessage)
  return () => {
    clearTimeout(timer)
    stream.removeEventListener('message', onMessage)
  }
}

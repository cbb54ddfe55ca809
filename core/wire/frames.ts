import * as lp from 'it-length-prefixed'
import { abortReason } from '../deadline.js'
import { ProtocolViolationError } from '../errors.js'
import { FRAME_READ_TIMEOUT_MS, MAX_FRAME_BYTES } from './limits.js'
import type { AbortOptions, Stream } from '@libp2p/interface'
import type { Uint8ArrayList } from 'uint8arraylist'

export interface ReadFramesOptions extends AbortOptions {
  /**
   * Once the first bytes of a frame arrive, the rest must follow within this
   * long, or the stream is reset (default `FRAME_READ_TIMEOUT_MS`). An idle
   * timeout alone lets a peer hold a stream by sending a byte now and then.
   */
  frameTimeoutMs?: number
}

/**
 * Length-prefixed frames on a libp2p stream. Reading ends cleanly when the
 * remote closes its side; a length prefix over `maxBytes` throws before the
 * body is buffered, and the caller resets the stream. A frame that arrives
 * too slowly, or an aborted `signal`, resets the stream and throws.
 */
export async function * readFrames (stream: Stream, maxBytes = MAX_FRAME_BYTES, options: ReadFramesOptions = {}): AsyncGenerator<Uint8Array> {
  const frameTimeoutMs = options.frameTimeoutMs ?? FRAME_READ_TIMEOUT_MS
  const signal = options.signal
  let failure: Error | undefined
  const fail = (err: Error): void => {
    failure ??= err
    stream.abort(err)
  }
  /** Armed by the first chunk after a complete frame, cleared by the next complete frame. */
  let frameTimer: ReturnType<typeof setTimeout> | undefined
  const onAbort = (): void => { if (signal != null) fail(abortReason(signal)) }
  signal?.throwIfAborted()
  signal?.addEventListener('abort', onAbort)
  async function * chunks (): AsyncGenerator<Uint8Array | Uint8ArrayList> {
    for await (const chunk of stream) {
      frameTimer ??= setTimeout(() => { fail(new ProtocolViolationError(`a frame took longer than ${frameTimeoutMs} ms to arrive`)) }, frameTimeoutMs)
      yield chunk
    }
  }
  try {
    for await (const frame of lp.decode(chunks(), { maxDataLength: maxBytes })) {
      clearTimeout(frameTimer)
      frameTimer = undefined
      yield frame.subarray()
    }
  } catch (err) {
    if (failure != null) throw failure
    if (err instanceof Error && (err.name === 'InvalidDataLengthError' || err.name === 'InvalidDataLengthLengthError')) {
      throw new ProtocolViolationError(`frame larger than ${maxBytes} bytes`)
    }
    throw err
  } finally {
    clearTimeout(frameTimer)
    signal?.removeEventListener('abort', onAbort)
  }
  if (failure != null) throw failure
}

/** Reads exactly one frame, or throws when the stream ends first. */
export async function readOneFrame (stream: Stream, maxBytes = MAX_FRAME_BYTES, options: ReadFramesOptions = {}): Promise<Uint8Array> {
  for await (const frame of readFrames(stream, maxBytes, options)) return frame
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

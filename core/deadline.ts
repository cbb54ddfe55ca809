import { TimeoutError, toError } from './errors.js'

/** A signal that aborts when its time is up or a parent aborts; see {@link deadline}. */
export interface Deadline {
  readonly signal: AbortSignal
  /** Stops the timer and detaches from the parents. Call it once the wait is over, success or not. */
  clear: () => void
}

/**
 * An AbortSignal that aborts with a {@link TimeoutError} after `ms`, or with
 * a parent's reason when any of `parents` aborts first.
 *
 * Use it instead of `AbortSignal.timeout` and `AbortSignal.any`. On Node 20
 * a timeout signal held only by `AbortSignal.any` can be garbage collected
 * before it fires, and the combined signal then never aborts (nodejs/node
 * #57736). Here the pending timer holds the controller strongly, so the
 * signal fires whatever the collector does. Because nothing is left to the
 * collector, every deadline must be cleared.
 */
export function deadline (ms: number, what: string, ...parents: Array<AbortSignal | undefined>): Deadline {
  const controller = new AbortController()
  const attached: AbortSignal[] = []
  const clear = (): void => {
    clearTimeout(timer)
    for (const parent of attached.splice(0)) parent.removeEventListener('abort', onParentAbort)
  }
  const abort = (reason: unknown): void => {
    clear()
    controller.abort(reason)
  }
  function onParentAbort (this: AbortSignal): void {
    abort(this.reason)
  }
  const timer = setTimeout(() => { abort(new TimeoutError(`${what} took longer than ${ms} ms`)) }, ms)
  // Like AbortSignal.timeout: a pending deadline alone does not keep the process alive.
  timer.unref?.()
  for (const parent of parents) {
    if (parent == null) continue
    if (parent.aborted) {
      abort(parent.reason)
      break
    }
    parent.addEventListener('abort', onParentAbort)
    attached.push(parent)
  }
  return { signal: controller.signal, clear }
}

/**
 * Runs `work` under a fresh deadline and clears it afterwards, however
 * `work` ends.
 */
export async function withDeadline<T> (ms: number, what: string, parent: AbortSignal | undefined, work: (signal: AbortSignal) => Promise<T>): Promise<T> {
  const limit = deadline(ms, what, parent)
  try {
    return await untilAborted(work(limit.signal), limit.signal)
  } finally {
    limit.clear()
  }
}

/**
 * Settles like `work`, or rejects with the signal's reason as soon as it
 * aborts, even when `work` ignores the signal. Whatever `work` does later is
 * dropped (a late rejection is handled here, not left unhandled).
 */
export async function untilAborted<T> (work: Promise<T>, signal: AbortSignal): Promise<T> {
  return await new Promise<T>((resolve, reject) => {
    const onAbort = (): void => { reject(abortReason(signal)) }
    if (signal.aborted) onAbort()
    else signal.addEventListener('abort', onAbort, { once: true })
    work.then(value => {
      signal.removeEventListener('abort', onAbort)
      resolve(value)
    }, (err: unknown) => {
      signal.removeEventListener('abort', onAbort)
      reject(toError(err))
    })
  })
}

/** The signal's reason as an Error (abort() without a reason gives a DOMException, which is one). */
export function abortReason (signal: AbortSignal): Error {
  const reason: unknown = signal.reason
  return reason == null ? new Error('aborted') : toError(reason)
}

import { useCallback, useEffect, useRef, useState } from 'react'
import { describeError } from '../errors.js'

export type ActionOutcome<R> = { ok: true, value: R } | { ok: false }

export interface Action<A extends unknown[], R> {
  /** Runs the call; never throws: a failure lands in `error` as plain words. */
  run: (...args: A) => Promise<ActionOutcome<R>>
  pending: boolean
  error: string | null
  clearError: () => void
}

/**
 * One user-triggered engine call with its pending flag and its error, so each
 * button or form can show what failed right next to itself.
 */
export function useAction<A extends unknown[], R> (call: (...args: A) => Promise<R>): Action<A, R> {
  const [pending, setPending] = useState(false)
  const [error, setError] = useState<string | null>(null)
  const latestCall = useRef(call)
  useEffect(() => { latestCall.current = call })

  const run = useCallback(async (...args: A): Promise<ActionOutcome<R>> => {
    setPending(true)
    setError(null)
    try {
      const value = await latestCall.current(...args)
      return { ok: true, value }
    } catch (err) {
      setError(describeError(err))
      return { ok: false }
    } finally {
      setPending(false)
    }
  }, [])
  const clearError = useCallback(() => { setError(null) }, [])
  return { run, pending, error, clearError }
}

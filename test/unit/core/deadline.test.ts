import { describe, expect, it } from 'vitest'
import { deadline, untilAborted, withDeadline } from '../../../core/deadline.js'
import { collectGarbage } from '../../helpers/gc.js'

const pause = async (ms: number): Promise<void> => { await new Promise(resolve => setTimeout(resolve, ms)) }

describe('deadline', () => {
  it('fires with a TimeoutError although garbage is collected while it waits', async () => {
    const parent = new AbortController()
    const limit = deadline(200, 'the test wait', parent.signal)
    let fired: unknown
    limit.signal.addEventListener('abort', () => { fired = limit.signal.reason })
    await pause(50)
    collectGarbage()
    await pause(600)
    expect(limit.signal.aborted).toBe(true)
    expect(fired).toMatchObject({ name: 'TimeoutError', code: 'peer_unreachable', message: 'the test wait took longer than 200 ms' })
  })

  it('aborts with a parent\'s reason, and an aborted parent aborts it at once', () => {
    const parent = new AbortController()
    const limit = deadline(10_000, 'x', undefined, parent.signal)
    parent.abort(new Error('stopping'))
    expect(limit.signal.reason).toMatchObject({ message: 'stopping' })
    expect(deadline(10_000, 'x', parent.signal).signal.aborted).toBe(true)
  })

  it('once cleared, neither fires nor follows its parent', async () => {
    const parent = new AbortController()
    const limit = deadline(50, 'x', parent.signal)
    limit.clear()
    parent.abort()
    await pause(150)
    expect(limit.signal.aborted).toBe(false)
  })

  it('ends a wait whose work ignores the signal', async () => {
    const started = performance.now()
    const never = new Promise<never>(() => {})
    await expect(withDeadline(100, 'ignoring work', undefined, async () => await never)).rejects.toThrow('ignoring work took longer than 100 ms')
    expect(performance.now() - started).toBeLessThan(2_000)
  })

  it('passes results and errors through, and absorbs a late rejection', async () => {
    await expect(withDeadline(1_000, 'x', undefined, async () => 42)).resolves.toBe(42)
    await expect(withDeadline(1_000, 'x', undefined, async () => { throw new Error('inner') })).rejects.toThrow('inner')
    const controller = new AbortController()
    let rejectLate: (err: Error) => void = () => {}
    const late = untilAborted(new Promise((_resolve, reject) => { rejectLate = reject }), controller.signal)
    controller.abort(new Error('gave up'))
    await expect(late).rejects.toThrow('gave up')
    // Rejecting after the race is lost must not surface as an unhandled rejection.
    rejectLate(new Error('too late'))
    await pause(10)
  })
})

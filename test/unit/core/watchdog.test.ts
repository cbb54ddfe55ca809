import { describe, expect, it } from 'vitest'
import { untilAborted } from '../../../core/deadline.js'
import { StallWatchdog } from '../../../core/watchdog.js'

const pause = async (ms: number): Promise<void> => { await new Promise(resolve => setTimeout(resolve, ms)) }

describe('StallWatchdog', () => {
  it('aborts work that makes no progress, even work that ignores its signal', async () => {
    const stalls: string[] = []
    const watchdog = new StallWatchdog({ limitMs: 300, checkEveryMs: 50, onStall: (what) => { stalls.push(what) } })
    try {
      const controller = new AbortController()
      watchdog.watch('stuck work', controller)
      const started = performance.now()
      const hung = untilAborted(new Promise<never>(() => {}), controller.signal)
      await expect(hung).rejects.toThrow(/stuck work made no progress for \d+ ms/)
      expect(performance.now() - started).toBeGreaterThanOrEqual(290)
      expect(performance.now() - started).toBeLessThan(3_000)
      expect(stalls).toEqual(['stuck work'])
    } finally {
      watchdog.stop()
    }
  })

  it('leaves alone work that keeps making progress, and work it no longer watches', async () => {
    const watchdog = new StallWatchdog({ limitMs: 300, checkEveryMs: 50 })
    try {
      const busy = new AbortController()
      const task = watchdog.watch('busy work', busy)
      const released = new AbortController()
      watchdog.watch('finished work', released).release()
      for (let i = 0; i < 10; i++) {
        await pause(100)
        task.progress()
      }
      expect(busy.signal.aborted).toBe(false)
      expect(released.signal.aborted).toBe(false)
      task.release()
    } finally {
      watchdog.stop()
    }
  })
})

import { TimeoutError } from './errors.js'

/** One watched piece of work, as its owner sees it. */
export interface WatchedTask {
  /** The work moved forward: its silence starts again from now. */
  progress: () => void
  /** The work ended: stop watching it. */
  release: () => void
}

interface Task {
  what: string
  controller: AbortController
  lastProgress: number
}

/**
 * Aborts work that reports no progress for `limitMs`, with a
 * {@link TimeoutError}. A backstop behind the deadlines on each wait: it
 * catches a wait that nobody bounded, or a library that ignores its signal,
 * so a worker cannot hang for good. The check runs only while something is
 * watched.
 */
export class StallWatchdog {
  private readonly tasks = new Set<Task>()
  private timer: ReturnType<typeof setInterval> | undefined

  constructor (private readonly init: { limitMs: number, checkEveryMs: number, onStall?: (what: string, silentMs: number) => void }) {}

  /** Watches work that `controller` can abort; the caller reports progress and releases it when done. */
  watch (what: string, controller: AbortController): WatchedTask {
    const task: Task = { what, controller, lastProgress: performance.now() }
    this.tasks.add(task)
    if (this.timer == null) {
      this.timer = setInterval(() => { this.check() }, this.init.checkEveryMs)
      this.timer.unref?.()
    }
    return {
      progress: () => { task.lastProgress = performance.now() },
      release: () => { this.forget(task) }
    }
  }

  /** Stops checking; watched work is left alone. */
  stop (): void {
    this.tasks.clear()
    clearInterval(this.timer)
    this.timer = undefined
  }

  private check (): void {
    const now = performance.now()
    for (const task of [...this.tasks]) {
      const silentMs = Math.round(now - task.lastProgress)
      if (silentMs < this.init.limitMs) continue
      this.forget(task)
      this.init.onStall?.(task.what, silentMs)
      task.controller.abort(new TimeoutError(`${task.what} made no progress for ${silentMs} ms`))
    }
  }

  private forget (task: Task): void {
    this.tasks.delete(task)
    if (this.tasks.size === 0) {
      clearInterval(this.timer)
      this.timer = undefined
    }
  }
}

import { spawn } from 'node:child_process'
import { createInterface } from 'node:readline'
import type { ChildProcess } from 'node:child_process'

/** A child process whose stdout lines can be awaited by prefix. */
export class Child {
  readonly process: ChildProcess
  readonly lines: string[] = []
  private readonly waiters: Array<{ prefix: string, resolve: (line: string) => void }> = []
  private stderr = ''
  readonly exited: Promise<{ code: number | null, signal: NodeJS.Signals | null }>

  constructor (command: string, args: string[], env: NodeJS.ProcessEnv = process.env) {
    this.process = spawn(command, args, { env, stdio: ['ignore', 'pipe', 'pipe'] })
    createInterface({ input: this.process.stdout as NodeJS.ReadableStream }).on('line', line => {
      this.lines.push(line)
      for (const waiter of this.waiters.filter(w => line.startsWith(w.prefix))) {
        this.waiters.splice(this.waiters.indexOf(waiter), 1)
        waiter.resolve(line)
      }
    })
    this.process.stderr?.on('data', (chunk: Buffer) => { this.stderr += chunk.toString() })
    this.exited = new Promise(resolve => { this.process.on('exit', (code, signal) => { resolve({ code, signal }) }) })
  }

  /** Resolves with the first line (past or future) starting with `prefix`. */
  async line (prefix: string, timeoutMs = 30_000): Promise<string> {
    const seen = this.lines.find(l => l.startsWith(prefix))
    if (seen != null) return seen
    return await new Promise((resolve, reject) => {
      const timer = setTimeout(() => { reject(new Error(`no "${prefix}" line within ${timeoutMs} ms; stderr: ${this.stderr.slice(-2000)}`)) }, timeoutMs)
      this.waiters.push({ prefix, resolve: line => { clearTimeout(timer); resolve(line) } })
      void this.exited.then(({ code }) => { clearTimeout(timer); reject(new Error(`exited (${code}) before "${prefix}"; stderr: ${this.stderr.slice(-2000)}`)) })
    })
  }

  get stderrText (): string {
    return this.stderr
  }

  /** Kills the process (by its pid) if it still runs, and waits for it. */
  async kill (signal: NodeJS.Signals = 'SIGTERM'): Promise<void> {
    if (this.process.exitCode == null && this.process.signalCode == null) this.process.kill(signal)
    await this.exited
  }
}

export interface Finished { status: number | null, stdout: string, stderr: string }

/**
 * Runs a command to its end without blocking the event loop (tests that also
 * host nodes or daemons need it free). A run longer than `timeoutMs` is
 * stopped with SIGTERM, so a failed test leaves no process behind.
 */
export async function runToExit (command: string, args: string[], options: { env?: NodeJS.ProcessEnv, timeoutMs?: number } = {}): Promise<Finished> {
  const child = spawn(command, args, { env: options.env ?? process.env, stdio: ['ignore', 'pipe', 'pipe'], timeout: options.timeoutMs ?? 120_000 })
  let stdout = ''
  let stderr = ''
  child.stdout.on('data', (chunk: Buffer) => { stdout += chunk.toString() })
  child.stderr.on('data', (chunk: Buffer) => { stderr += chunk.toString() })
  const status = await new Promise<number | null>(resolve => { child.on('exit', code => { resolve(code) }) })
  return { status, stdout, stderr }
}

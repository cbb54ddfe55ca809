const STOP_SIGNALS: NodeJS.Signals[] = ['SIGINT', 'SIGTERM']

export interface StopSignal {
  /** Resolves with the first SIGINT or SIGTERM. */
  signal: Promise<NodeJS.Signals>
  dispose: () => void
}

/**
 * Turns SIGINT/SIGTERM into a promise, so a long-running command (relay,
 * daemon) can stop cleanly. A second signal while stopping exits at once:
 * the clean stop is stuck, and the operator must be able to get out.
 */
export function onStopSignal (command: string): StopSignal {
  let received = false
  let resolve: (signal: NodeJS.Signals) => void = () => {}
  const signal = new Promise<NodeJS.Signals>((res) => { resolve = res })
  const handler = (name: NodeJS.Signals): void => {
    if (received) {
      process.stderr.write(`${command}: ${name} during stop, exiting at once\n`)
      process.exit(1)
    }
    received = true
    resolve(name)
  }
  for (const name of STOP_SIGNALS) process.on(name, handler)
  return {
    signal,
    dispose: () => { for (const name of STOP_SIGNALS) process.off(name, handler) }
  }
}

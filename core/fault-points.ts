/**
 * Crash points for tests. With `PARLEY_FAULT_POINT=<name>` in its
 * environment, a process kills itself (SIGKILL, no clean-up) when it reaches
 * `faultPoint(<name>)`, so a crash test lands exactly between two steps
 * instead of hoping a random `kill -9` does. Without the variable it does
 * nothing; whoever sets a process's environment controls the process anyway.
 */
const armed = process.env.PARLEY_FAULT_POINT

export function faultPoint (name: string): void {
  if (armed === name) process.kill(process.pid, 'SIGKILL')
}

import { setFlagsFromString } from 'node:v8'
import { runInNewContext } from 'node:vm'

/**
 * Runs a full garbage collection. Vitest's workers start without
 * `--expose-gc`; the flag can be set at run time, and a new context then
 * carries the `gc` function.
 */
export function collectGarbage (): void {
  setFlagsFromString('--expose-gc')
  const gc = runInNewContext('gc') as () => void
  gc()
}

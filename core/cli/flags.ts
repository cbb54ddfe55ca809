import { multiaddr } from '@multiformats/multiaddr'
import { z } from 'zod'
import { InvalidParamsError, errorMessage } from '../errors.js'
import { peerAddressProblem } from '../net/peer-address.js'

/**
 * Flag validation shared by the `parley` commands: commander hands over
 * strings, zod turns them into checked values, and every problem becomes one
 * `InvalidParamsError` (exit code 2) that names the flag.
 */

/** Commander's accumulator for a repeatable flag (`--listen a --listen b`). */
export function collect (value: string, previous: string[] | undefined): string[] {
  return [...(previous ?? []), value]
}

const DIGITS = /^[0-9]+$/

export function integerFlag (flag: string, min: number, max: number): z.ZodType<number, string> {
  const message = `${flag} must be an integer from ${min} to ${max}`
  return z.string()
    .regex(DIGITS, { error: message })
    .transform(Number)
    .refine(n => n >= min && n <= max, { error: message })
}

const DECIMAL = /^[0-9]+(\.[0-9]+)?$/

/** A number above 0 (decimals allowed), at most `max`: rates and durations. */
export function positiveFlag (flag: string, max: number): z.ZodType<number, string> {
  const message = `${flag} must be a number above 0 and at most ${max}`
  return z.string()
    .regex(DECIMAL, { error: message })
    .transform(Number)
    .refine(n => n > 0 && n <= max, { error: message })
}

export function bigintFlag (flag: string, min: bigint, max: bigint): z.ZodType<bigint, string> {
  const message = `${flag} must be an integer from ${min} to ${max}`
  return z.string()
    .regex(DIGITS, { error: message })
    .transform(s => BigInt(s))
    .refine(n => n >= min && n <= max, { error: message })
}

/** A multiaddr flag; `needsPeerId` for peers we dial by identity (bootstrap, relays). */
export function multiaddrFlag (flag: string, options: { needsPeerId?: boolean } = {}): z.ZodType<string, string> {
  return z.string().superRefine((value, ctx) => {
    try {
      const components = multiaddr(value).getComponents()
      const problem = options.needsPeerId === true ? peerAddressProblem(value) : undefined
      if (components.length === 0) ctx.addIssue({ code: 'custom', message: `${flag} "${value}" is an empty multiaddr` })
      else if (problem != null) ctx.addIssue({ code: 'custom', message: `${flag} "${value}" ${problem}` })
    } catch (err) {
      ctx.addIssue({ code: 'custom', message: `${flag} "${value}" is not a multiaddr: ${errorMessage(err)}` })
    }
  })
}

export const dataDirFlag = z.string({ error: '--data is required' }).trim().min(1, { error: '--data must name a directory' })

/** Parses commander's flags with `schema`; throws `InvalidParamsError` naming each bad flag. */
export function parseFlags<T extends z.ZodType> (schema: T, flags: unknown): z.output<T> {
  const result = schema.safeParse(flags)
  if (!result.success) throw new InvalidParamsError(result.error.issues.map(issue => issue.message).join('; '))
  return result.data
}

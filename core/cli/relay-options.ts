import { multiaddr } from '@multiformats/multiaddr'
import { z } from 'zod'
import { errorMessage, InvalidParamsError } from '../errors.js'
import { DEFAULT_RELAY_LIMITS } from '../net/relay-limits.js'
import type { RelayLimits } from '../net/relay-limits.js'

/** `parley relay` flags as commander hands them over: strings, each optional. */
export interface RelayFlags {
  data?: string
  listen?: string[]
  maxReservations?: string
  reservationDuration?: string
  reservationData?: string
  metricsPort?: string
  statsInterval?: string
}

export interface RelayCommandOptions {
  dataDir: string
  /** Empty: the relay preset's default addresses. */
  listen: string[]
  limits: RelayLimits
  metricsPort?: number
  statsIntervalMs: number
}

export const DEFAULT_STATS_INTERVAL_S = 60
const DAY_S = 24 * 60 * 60
const MAX_RESERVATION_DATA = 1n << 32n

const DIGITS = /^[0-9]+$/

function integerFlag (flag: string, min: number, max: number): z.ZodType<number, string> {
  const message = `${flag} must be an integer from ${min} to ${max}`
  return z.string()
    .regex(DIGITS, { error: message })
    .transform(Number)
    .refine(n => n >= min && n <= max, { error: message })
}

function bigintFlag (flag: string, min: bigint, max: bigint): z.ZodType<bigint, string> {
  const message = `${flag} must be an integer from ${min} to ${max}`
  return z.string()
    .regex(DIGITS, { error: message })
    .transform(s => BigInt(s))
    .refine(n => n >= min && n <= max, { error: message })
}

const listenAddress = z.string().superRefine((value, ctx) => {
  try {
    if (multiaddr(value).getComponents().length > 0) return
    ctx.addIssue({ code: 'custom', message: `--listen "${value}" is an empty multiaddr` })
  } catch (err) {
    ctx.addIssue({ code: 'custom', message: `--listen "${value}" is not a multiaddr: ${errorMessage(err)}` })
  }
})

const schema = z.object({
  data: z.string({ error: '--data is required' }).trim().min(1, { error: '--data must name a directory' }),
  listen: z.array(listenAddress).default([]),
  maxReservations: integerFlag('--max-reservations', 1, 100_000).optional(),
  reservationDuration: integerFlag('--reservation-duration', 1, DAY_S).optional(),
  reservationData: bigintFlag('--reservation-data', 1n, MAX_RESERVATION_DATA).optional(),
  metricsPort: integerFlag('--metrics-port', 1, 65_535).optional(),
  statsInterval: integerFlag('--stats-interval', 1, DAY_S).optional()
})

/** Validates and converts the flags; throws `InvalidParamsError` naming each bad flag. */
export function parseRelayFlags (flags: RelayFlags): RelayCommandOptions {
  const result = schema.safeParse(flags)
  if (!result.success) {
    throw new InvalidParamsError(result.error.issues.map(issue => issue.message).join('; '))
  }
  const parsed = result.data
  return {
    dataDir: parsed.data,
    listen: parsed.listen,
    limits: {
      maxReservations: parsed.maxReservations ?? DEFAULT_RELAY_LIMITS.maxReservations,
      durationLimitMs: parsed.reservationDuration != null
        ? parsed.reservationDuration * 1000
        : DEFAULT_RELAY_LIMITS.durationLimitMs,
      dataLimitBytes: parsed.reservationData ?? DEFAULT_RELAY_LIMITS.dataLimitBytes
    },
    metricsPort: parsed.metricsPort,
    statsIntervalMs: (parsed.statsInterval ?? DEFAULT_STATS_INTERVAL_S) * 1000
  }
}

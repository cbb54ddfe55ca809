import { z } from 'zod'
import { DEFAULT_RELAY_LIMITS } from '../net/relay-limits.js'
import type { RelayLimits } from '../net/relay-limits.js'
import { bigintFlag, dataDirFlag, integerFlag, multiaddrFlag, parseFlags } from './flags.js'

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

const schema = z.object({
  data: dataDirFlag,
  listen: z.array(multiaddrFlag('--listen')).default([]),
  maxReservations: integerFlag('--max-reservations', 1, 100_000).optional(),
  reservationDuration: integerFlag('--reservation-duration', 1, DAY_S).optional(),
  reservationData: bigintFlag('--reservation-data', 1n, MAX_RESERVATION_DATA).optional(),
  metricsPort: integerFlag('--metrics-port', 1, 65_535).optional(),
  statsInterval: integerFlag('--stats-interval', 1, DAY_S).optional()
})

/** Validates and converts the flags; throws `InvalidParamsError` naming each bad flag. */
export function parseRelayFlags (flags: RelayFlags): RelayCommandOptions {
  const parsed = parseFlags(schema, flags)
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

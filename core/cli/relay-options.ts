import { multiaddr } from '@multiformats/multiaddr'
import { z } from 'zod'
import { InvalidParamsError } from '../errors.js'
import { isLoopbackAddress } from '../net/address-policy.js'
import { DEFAULT_RELAY_LIMITS, LOOPBACK_RELAY_LIMITS, defaultKeptForNewPeers } from '../net/relay-limits.js'
import type { RelayLimits } from '../net/relay-limits.js'
import { bigintFlag, dataDirFlag, integerFlag, multiaddrFlag, parseFlags } from './flags.js'

/** `parley relay` flags as commander hands them over: strings, each optional. */
export interface RelayFlags {
  data?: string
  listen?: string[]
  maxReservations?: string
  reservationDuration?: string
  reservationData?: string
  maxReservationsPerIp?: string
  maxReservationsPerSubnet?: string
  reservationRate?: string
  keptForNewPeers?: string
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
const MAX_RESERVATIONS = 100_000
/** Requests per address per minute; beyond this a limit means nothing. */
const MAX_RESERVATION_RATE = 60_000

const schema = z.object({
  data: dataDirFlag,
  listen: z.array(multiaddrFlag('--listen')).default([]),
  maxReservations: integerFlag('--max-reservations', 1, MAX_RESERVATIONS).optional(),
  maxReservationsPerIp: integerFlag('--max-reservations-per-ip', 1, MAX_RESERVATIONS).optional(),
  maxReservationsPerSubnet: integerFlag('--max-reservations-per-subnet', 1, MAX_RESERVATIONS).optional(),
  reservationRate: integerFlag('--reservation-rate', 1, MAX_RESERVATION_RATE).optional(),
  keptForNewPeers: integerFlag('--kept-for-new-peers', 0, MAX_RESERVATION_RATE - 1).optional(),
  reservationDuration: integerFlag('--reservation-duration', 1, DAY_S).optional(),
  reservationData: bigintFlag('--reservation-data', 1n, MAX_RESERVATION_DATA).optional(),
  metricsPort: integerFlag('--metrics-port', 1, 65_535).optional(),
  statsInterval: integerFlag('--stats-interval', 1, DAY_S).optional()
})

/**
 * Validates and converts the flags; throws `InvalidParamsError` naming each
 * bad flag. Limits not given take the defaults of the relay's mode: listening
 * only on loopback turns the per-address caps and the rate limit off (see
 * `LOOPBACK_RELAY_LIMITS`).
 */
export function parseRelayFlags (flags: RelayFlags): RelayCommandOptions {
  const parsed = parseFlags(schema, flags)
  const loopback = parsed.listen.length > 0 && parsed.listen.every(addr => isLoopbackAddress(multiaddr(addr)))
  const base = loopback ? LOOPBACK_RELAY_LIMITS : DEFAULT_RELAY_LIMITS
  const rate = parsed.reservationRate ?? base.reservationsPerMinute
  if (parsed.keptForNewPeers != null && rate == null) throw new InvalidParamsError('--kept-for-new-peers needs --reservation-rate (a loopback relay has no rate limit by default)')
  if (parsed.keptForNewPeers != null && rate != null && parsed.keptForNewPeers >= rate) {
    throw new InvalidParamsError(`--kept-for-new-peers must be less than --reservation-rate (${rate}), or renewals could never pass`)
  }
  return {
    dataDir: parsed.data,
    listen: parsed.listen,
    limits: {
      maxReservations: parsed.maxReservations ?? base.maxReservations,
      durationLimitMs: parsed.reservationDuration != null
        ? parsed.reservationDuration * 1000
        : base.durationLimitMs,
      dataLimitBytes: parsed.reservationData ?? base.dataLimitBytes,
      ...defined('maxReservationsPerIp', parsed.maxReservationsPerIp ?? base.maxReservationsPerIp),
      ...defined('maxReservationsPerSubnet', parsed.maxReservationsPerSubnet ?? base.maxReservationsPerSubnet),
      ...defined('reservationsPerMinute', rate),
      ...defined('keptForNewPeers', parsed.keptForNewPeers ?? (rate != null ? defaultKeptForNewPeers(rate) : undefined))
    },
    metricsPort: parsed.metricsPort,
    statsIntervalMs: (parsed.statsInterval ?? DEFAULT_STATS_INTERVAL_S) * 1000
  }
}

/** `{ [key]: value }`, or nothing when the value is unset: a limit left out means "no cap". */
function defined<K extends keyof RelayLimits> (key: K, value: RelayLimits[K] | undefined): Partial<RelayLimits> {
  return value == null ? {} : { [key]: value }
}

/**
 * A relay's limits, kept apart from presets.ts so that the CLI can show and
 * validate them without loading libp2p.
 */
export interface RelayLimits {
  /** Concurrent reservations the relay holds. */
  maxReservations: number
  /** Longest relayed connection, ms. */
  durationLimitMs: number
  /** Bytes on one relayed connection, both directions counted together. */
  dataLimitBytes: bigint
  /**
   * Reservations held at once by peers behind one address (an IPv4 address,
   * or an IPv6 /64: one host often has the whole /64). Unset: no cap.
   */
  maxReservationsPerIp?: number
  /** Reservations held at once from one IPv4 /24 or IPv6 /48. Unset: no cap. */
  maxReservationsPerSubnet?: number
  /**
   * Reservation requests (new ones and renewals) one address may make per
   * minute; also the burst it may make at once. Unset: no limit.
   */
  reservationsPerMinute?: number
  /**
   * Of each address's `reservationsPerMinute`, how many only peers holding no
   * reservation yet may use: renewals stop while no more than this many are
   * left, so an address that keeps renewing cannot lock out a newcomer behind it.
   */
  keptForNewPeers?: number
}

export const DEFAULT_MAX_RESERVATIONS_PER_IP = 8
export const DEFAULT_MAX_RESERVATIONS_PER_SUBNET = 32
export const DEFAULT_RESERVATIONS_PER_MINUTE = 10

/** Half of the rate, so renewals never take the last tokens a newcomer needs. */
export function defaultKeptForNewPeers (reservationsPerMinute: number): number {
  return Math.floor(reservationsPerMinute / 2)
}

export const DEFAULT_RELAY_LIMITS: RelayLimits = {
  maxReservations: 256,
  durationLimitMs: 2 * 60 * 1000,
  dataLimitBytes: 1n << 20n,
  maxReservationsPerIp: DEFAULT_MAX_RESERVATIONS_PER_IP,
  maxReservationsPerSubnet: DEFAULT_MAX_RESERVATIONS_PER_SUBNET,
  reservationsPerMinute: DEFAULT_RESERVATIONS_PER_MINUTE,
  keptForNewPeers: defaultKeptForNewPeers(DEFAULT_RESERVATIONS_PER_MINUTE)
}

/**
 * Loopback mode (every listen address on 127.0.0.0/8 or ::1): tests and
 * simulations put every peer on 127.0.0.1, so the per-address and per-subnet
 * caps and the rate limit are off unless set explicitly.
 */
export const LOOPBACK_RELAY_LIMITS: RelayLimits = {
  maxReservations: DEFAULT_RELAY_LIMITS.maxReservations,
  durationLimitMs: DEFAULT_RELAY_LIMITS.durationLimitMs,
  dataLimitBytes: DEFAULT_RELAY_LIMITS.dataLimitBytes
}

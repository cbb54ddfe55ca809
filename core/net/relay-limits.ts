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
}

export const DEFAULT_RELAY_LIMITS: RelayLimits = {
  maxReservations: 256,
  durationLimitMs: 2 * 60 * 1000,
  dataLimitBytes: 1n << 20n
}

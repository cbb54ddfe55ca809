import { describe, expect, it } from 'vitest'
import { parseRelayFlags } from '../../../core/cli/relay-options.js'
import type { RelayFlags } from '../../../core/cli/relay-options.js'
import { DEFAULT_RELAY_LIMITS } from '../../../core/net/presets.js'
import { LOOPBACK_RELAY_LIMITS } from '../../../core/net/relay-limits.js'

/** The error `parseRelayFlags` throws for `flags`, or a failure if it accepts them. */
function rejection (flags: RelayFlags): { name: string, code: string, message: string } {
  try {
    parseRelayFlags(flags)
  } catch (err) {
    return err as { name: string, code: string, message: string }
  }
  throw new Error(`accepted ${JSON.stringify(flags)}`)
}

describe('parley relay flags', () => {
  it('applies the defaults when only --data is given', () => {
    expect(parseRelayFlags({ data: '/tmp/relay' })).toEqual({
      dataDir: '/tmp/relay',
      listen: [],
      limits: DEFAULT_RELAY_LIMITS,
      metricsPort: undefined,
      statsIntervalMs: 60_000
    })
  })

  it('converts every flag to its unit', () => {
    const options = parseRelayFlags({
      data: 'relay-data',
      listen: ['/ip4/127.0.0.1/tcp/0', '/ip4/127.0.0.1/tcp/0/ws'],
      maxReservations: '10',
      reservationDuration: '30',
      reservationData: '65536',
      maxReservationsPerIp: '2',
      maxReservationsPerSubnet: '5',
      reservationRate: '30',
      keptForNewPeers: '20',
      metricsPort: '9090',
      statsInterval: '5'
    })
    expect(options).toEqual({
      dataDir: 'relay-data',
      listen: ['/ip4/127.0.0.1/tcp/0', '/ip4/127.0.0.1/tcp/0/ws'],
      limits: {
        maxReservations: 10,
        durationLimitMs: 30_000,
        dataLimitBytes: 65_536n,
        maxReservationsPerIp: 2,
        maxReservationsPerSubnet: 5,
        reservationsPerMinute: 30,
        keptForNewPeers: 20
      },
      metricsPort: 9090,
      statsIntervalMs: 5000
    })
  })

  it('caps addresses and rates by default, with half the rate kept for new peers', () => {
    expect(DEFAULT_RELAY_LIMITS).toMatchObject({ maxReservationsPerIp: 8, maxReservationsPerSubnet: 32, reservationsPerMinute: 10, keptForNewPeers: 5 })
    expect(parseRelayFlags({ data: 'd', listen: ['/ip4/0.0.0.0/tcp/4001'] }).limits).toEqual(DEFAULT_RELAY_LIMITS)
    expect(parseRelayFlags({ data: 'd', reservationRate: '7' }).limits).toMatchObject({ reservationsPerMinute: 7, keptForNewPeers: 3 })
  })

  it('lifts the address caps and the rate limit in loopback mode unless they are given', () => {
    const loopback = ['/ip4/127.0.0.1/tcp/0', '/ip6/::1/tcp/0/ws']
    expect(parseRelayFlags({ data: 'd', listen: loopback }).limits).toEqual(LOOPBACK_RELAY_LIMITS)
    expect(LOOPBACK_RELAY_LIMITS).not.toHaveProperty('maxReservationsPerIp')
    expect(LOOPBACK_RELAY_LIMITS).not.toHaveProperty('reservationsPerMinute')
    expect(parseRelayFlags({ data: 'd', listen: loopback, maxReservationsPerIp: '8', reservationRate: '10' }).limits).toEqual({
      ...LOOPBACK_RELAY_LIMITS, maxReservationsPerIp: 8, reservationsPerMinute: 10, keptForNewPeers: 5
    })
    // One address off the machine is enough to leave loopback mode.
    expect(parseRelayFlags({ data: 'd', listen: [...loopback, '/ip4/0.0.0.0/tcp/4001'] }).limits).toEqual(DEFAULT_RELAY_LIMITS)
  })

  it('rejects --kept-for-new-peers that would stop every renewal, or without a rate', () => {
    expect(rejection({ data: 'd', reservationRate: '10', keptForNewPeers: '10' }).message).toContain('--kept-for-new-peers')
    expect(parseRelayFlags({ data: 'd', reservationRate: '10', keptForNewPeers: '9' }).limits.keptForNewPeers).toBe(9)
    expect(parseRelayFlags({ data: 'd', reservationRate: '10', keptForNewPeers: '0' }).limits.keptForNewPeers).toBe(0)
    const withoutRate = rejection({ data: 'd', listen: ['/ip4/127.0.0.1/tcp/0'], keptForNewPeers: '1' })
    expect(withoutRate.code).toBe('invalid_params')
    expect(withoutRate.message).toContain('--reservation-rate')
  })

  it('requires --data', () => {
    expect(rejection({}).message).toContain('--data')
    expect(rejection({ data: '  ' }).message).toContain('--data')
  })

  it.each([
    ['70000', '--metrics-port'],
    ['0', '--metrics-port'],
    ['-1', '--metrics-port'],
    ['80.5', '--metrics-port'],
    ['port', '--metrics-port']
  ])('rejects --metrics-port %s', (value, flag) => {
    const err = rejection({ data: 'd', metricsPort: value })
    expect(err.name).toBe('InvalidParamsError')
    expect(err.code).toBe('invalid_params')
    expect(err.message).toContain(flag)
  })

  it.each(['nope', '', '/', '/ip4/1.2.3/tcp/1', '/ip4/127.0.0.1/tcp/99999'])('rejects --listen %j', (value) => {
    const err = rejection({ data: 'd', listen: ['/ip4/127.0.0.1/tcp/0', value] })
    expect(err.code).toBe('invalid_params')
    expect(err.message).toContain('--listen')
  })

  it.each([
    [{ maxReservations: '-1' }, '--max-reservations'],
    [{ maxReservations: '0' }, '--max-reservations'],
    [{ maxReservations: '100001' }, '--max-reservations'],
    [{ maxReservationsPerIp: '0' }, '--max-reservations-per-ip'],
    [{ maxReservationsPerIp: '100001' }, '--max-reservations-per-ip'],
    [{ maxReservationsPerSubnet: '0' }, '--max-reservations-per-subnet'],
    [{ maxReservationsPerSubnet: 'x' }, '--max-reservations-per-subnet'],
    [{ reservationRate: '0' }, '--reservation-rate'],
    [{ reservationRate: '60001' }, '--reservation-rate'],
    [{ reservationRate: '2.5' }, '--reservation-rate'],
    [{ keptForNewPeers: '-1' }, '--kept-for-new-peers'],
    [{ reservationDuration: '-5' }, '--reservation-duration'],
    [{ reservationDuration: '1e3' }, '--reservation-duration'],
    [{ reservationData: '-1' }, '--reservation-data'],
    [{ reservationData: '99999999999999999999' }, '--reservation-data'],
    [{ statsInterval: '-1' }, '--stats-interval'],
    [{ statsInterval: '0' }, '--stats-interval']
  ])('rejects %j', (flags, flag) => {
    const err = rejection({ data: 'd', ...flags })
    expect(err.code).toBe('invalid_params')
    expect(err.message).toContain(flag)
  })

  it('names every bad flag at once', () => {
    const err = rejection({ data: 'd', maxReservations: '-1', metricsPort: '70000' })
    expect(err.message).toContain('--max-reservations')
    expect(err.message).toContain('--metrics-port')
  })
})

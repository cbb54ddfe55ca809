import { describe, expect, it } from 'vitest'
import { parseRelayFlags } from '../../../core/cli/relay-options.js'
import type { RelayFlags } from '../../../core/cli/relay-options.js'
import { DEFAULT_RELAY_LIMITS } from '../../../core/net/presets.js'

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
      metricsPort: '9090',
      statsInterval: '5'
    })
    expect(options).toEqual({
      dataDir: 'relay-data',
      listen: ['/ip4/127.0.0.1/tcp/0', '/ip4/127.0.0.1/tcp/0/ws'],
      limits: { maxReservations: 10, durationLimitMs: 30_000, dataLimitBytes: 65_536n },
      metricsPort: 9090,
      statsIntervalMs: 5000
    })
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

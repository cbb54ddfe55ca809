import { multiaddr } from '@multiformats/multiaddr'
import { describe, expect, it } from 'vitest'
import { addressGroups } from '../../../core/net/address-groups.js'

describe('addressGroups', () => {
  it('groups IPv4 by address and /24', () => {
    expect(addressGroups(multiaddr('/ip4/203.0.113.7/tcp/4001/p2p/12D3KooWLV3w42LqUb9MWE7oTzG7vwaFjPw9GvDqmsuDif5chTn9'))).toEqual({ ip: '203.0.113.7', subnet: '203.0.113.0/24' })
    expect(addressGroups(multiaddr('/ip4/127.0.5.9/tcp/1/ws'))).toEqual({ ip: '127.0.5.9', subnet: '127.0.5.0/24' })
  })

  it('groups IPv6 by /64 and /48, however the address is written', () => {
    const expected = { ip: '2001:db8:1:2::/64', subnet: '2001:db8:1::/48' }
    expect(addressGroups(multiaddr('/ip6/2001:db8:1:2::1/tcp/4001'))).toEqual(expected)
    expect(addressGroups(multiaddr('/ip6/2001:0db8:0001:0002:ffff:1:2:3/tcp/4001'))).toEqual(expected)
    expect(addressGroups(multiaddr('/ip6/::1/tcp/1'))).toEqual({ ip: '0:0:0:0::/64', subnet: '0:0:0::/48' })
  })

  it('counts IPv4 mapped into IPv6 as IPv4', () => {
    expect(addressGroups(multiaddr('/ip6/::ffff:198.51.100.4/tcp/4001'))).toEqual({ ip: '198.51.100.4', subnet: '198.51.100.0/24' })
  })

  it('has no groups for an address without an IP', () => {
    expect(addressGroups(multiaddr('/dns4/example.org/tcp/443'))).toBeUndefined()
    expect(addressGroups(multiaddr('/p2p/12D3KooWLV3w42LqUb9MWE7oTzG7vwaFjPw9GvDqmsuDif5chTn9'))).toBeUndefined()
  })
})

import type { Multiaddr } from '@multiformats/multiaddr'

/** Where a connection comes from, coarsely enough that one party cannot pose as many. */
export interface AddressGroups {
  /** An IPv4 address, or an IPv6 /64 (a host usually holds a whole /64). */
  ip: string
  /** An IPv4 /24 or an IPv6 /48 (one site's allocation). */
  subnet: string
}

/**
 * The groups of a connection's remote address, or undefined when it names no
 * IP (a relayed or unusual address). IPv4 mapped into IPv6 (`::ffff:a.b.c.d`,
 * as a dual-stack listener reports IPv4 peers) counts as IPv4.
 */
export function addressGroups (addr: Multiaddr): AddressGroups | undefined {
  const host = addr.getComponents().find(c => c.name === 'ip4' || c.name === 'ip6')
  if (host?.value == null) return undefined
  if (host.name === 'ip4') return ipv4Groups(host.value)
  const groups = expandIpv6(host.value)
  if (groups == null) return undefined
  if (groups.slice(0, 5).every(g => g === 0) && groups[5] === 0xffff) {
    const mapped = [groups[6] >> 8, groups[6] & 0xff, groups[7] >> 8, groups[7] & 0xff].join('.')
    return ipv4Groups(mapped)
  }
  const hex = groups.map(g => g.toString(16))
  return { ip: `${hex.slice(0, 4).join(':')}::/64`, subnet: `${hex.slice(0, 3).join(':')}::/48` }
}

function ipv4Groups (ip: string): AddressGroups {
  return { ip, subnet: `${ip.split('.').slice(0, 3).join('.')}.0/24` }
}

/** The eight 16-bit groups of an IPv6 address (`::` expanded, a trailing dotted IPv4 read), or undefined if it does not parse. */
function expandIpv6 (text: string): number[] | undefined {
  const address = text.split('%')[0]
  const halves = address.split('::')
  if (halves.length > 2) return undefined
  const parse = (part: string): number[] | undefined => {
    if (part === '') return []
    const out: number[] = []
    for (const piece of part.split(':')) {
      if (piece.includes('.')) {
        const bytes = piece.split('.').map(Number)
        if (bytes.length !== 4 || bytes.some(b => !Number.isInteger(b) || b < 0 || b > 255)) return undefined
        out.push((bytes[0] << 8) | bytes[1], (bytes[2] << 8) | bytes[3])
      } else {
        if (!/^[0-9a-fA-F]{1,4}$/.test(piece)) return undefined
        out.push(parseInt(piece, 16))
      }
    }
    return out
  }
  const head = parse(halves[0])
  const tail = halves.length === 2 ? parse(halves[1]) : []
  if (head == null || tail == null) return undefined
  const missing = 8 - head.length - tail.length
  if (halves.length === 2 ? missing < 1 : missing !== 0) return undefined
  return [...head, ...new Array<number>(missing).fill(0), ...tail]
}

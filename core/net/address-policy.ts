import type { Multiaddr } from '@multiformats/multiaddr'

/**
 * True for addresses on this machine only: 127.0.0.0/8 and ::1 (and
 * relayed addresses whose every hop is one). Simulations and tests dial
 * nothing else, so a stray public or LAN address learned from a peer can
 * never send traffic off the machine.
 */
export function isLoopbackAddress (addr: Multiaddr): boolean {
  let sawHost = false
  for (const component of addr.getComponents()) {
    if (component.name === 'ip4') {
      sawHost = true
      if (component.value?.startsWith('127.') !== true) return false
    } else if (component.name === 'ip6') {
      sawHost = true
      if (component.value !== '::1') return false
    } else if (component.name === 'dns' || component.name === 'dns4' || component.name === 'dns6' || component.name === 'dnsaddr') {
      sawHost = true
      if (component.value !== 'localhost') return false
    }
  }
  // A bare /p2p/<id> or /p2p-circuit address names no host: libp2p resolves it
  // through the peer store, whose addresses pass through this same check.
  return sawHost || addr.getComponents().every(c => c.name === 'p2p' || c.name === 'p2p-circuit')
}

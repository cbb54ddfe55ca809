import { RELAY_V2_HOP_CODEC } from '@libp2p/circuit-relay-v2'
import { generateKeyPair } from '@libp2p/crypto/keys'
import { noise } from '@libp2p/noise'
import { tcp } from '@libp2p/tcp'
import { lpStream } from '@libp2p/utils'
import { yamux } from '@libp2p/yamux'
import { createLibp2p } from 'libp2p'
import { reader } from 'protons-runtime'
import type { Libp2p } from '@libp2p/interface'
import type { Multiaddr } from '@multiformats/multiaddr'

/** circuit relay v2 `Status` values (its .proto), by name. */
const STATUS_NAMES: Record<number, string> = {
  100: 'OK',
  200: 'RESERVATION_REFUSED',
  201: 'RESOURCE_LIMIT_EXCEEDED',
  202: 'PERMISSION_DENIED',
  400: 'MALFORMED_MESSAGE',
  401: 'UNEXPECTED_MESSAGE'
}

/** `HopMessage { type: RESERVE }`: field 1, varint 0, set explicitly. */
const RESERVE = Uint8Array.from([0x08, 0x00])
const HOP_STATUS_FIELD = 5
const HOP_TIMEOUT_MS = 10_000

/**
 * The smallest libp2p client: a fresh Ed25519 identity, TCP + Noise + Yamux,
 * no listener and no services. Its TCP connections leave from `source`, any
 * address in 127.0.0.0/8 (all of it is loopback on Linux), so a test can
 * play peers behind different addresses and subnets.
 */
export async function throwawayClient (source = '127.0.0.1'): Promise<Libp2p> {
  // @libp2p/tcp hands dialOpts on to net.connect, localAddress included (its type lists only a few of them).
  const dialOpts = { noDelay: true, localAddress: source }
  return await createLibp2p({
    privateKey: await generateKeyPair('Ed25519'),
    transports: [tcp({ dialOpts })],
    connectionEncrypters: [noise()],
    streamMuxers: [yamux()],
    connectionMonitor: { enabled: false }
  })
}

/**
 * Sends one HOP RESERVE to `relay` on a new stream (over the existing
 * connection, if any: a second call is a renewal) and returns the status name.
 */
export async function reserve (client: Libp2p, relay: Multiaddr): Promise<string> {
  const signal = AbortSignal.timeout(HOP_TIMEOUT_MS)
  const stream = await client.dialProtocol(relay, RELAY_V2_HOP_CODEC, { signal })
  try {
    const lp = lpStream(stream)
    await lp.write(RESERVE, { signal })
    const answer = await lp.read({ signal })
    const code = hopStatus(answer.subarray())
    return STATUS_NAMES[code] ?? `status ${code}`
  } finally {
    stream.abort(new Error('done'))
  }
}

/** The `status` field of an encoded HopMessage (0 when absent). */
function hopStatus (bytes: Uint8Array): number {
  const r = reader(bytes)
  while (r.pos < r.len) {
    const tag = r.uint32()
    if (tag >>> 3 === HOP_STATUS_FIELD) return r.int32()
    r.skipType(tag & 7)
  }
  return 0
}

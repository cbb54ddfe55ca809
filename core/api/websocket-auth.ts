/**
 * How a client proves to the daemon's WebSocket that it may drive the engine.
 *
 * Browsers cannot set headers on a WebSocket, but they can offer
 * subprotocols (`Sec-WebSocket-Protocol`). The browser UI offers
 * {@link API_SUBPROTOCOL} and `parley-token.<token>`; the server answers
 * with {@link API_SUBPROTOCOL} only. The token so never appears in a URL,
 * where a browser would print it in the console whenever a connection fails.
 * Scripts may still pass it as the `token` query parameter.
 */

/** The subprotocol the daemon speaks, and answers with. */
export const API_SUBPROTOCOL = 'parley.rpc.v1'

/** Offered next to {@link API_SUBPROTOCOL}, followed by the token. */
export const TOKEN_SUBPROTOCOL_PREFIX = 'parley-token.'

/** The subprotocols a client offers to authenticate with `token`. */
export function authSubprotocols (token: string): [string, string] {
  return [API_SUBPROTOCOL, `${TOKEN_SUBPROTOCOL_PREFIX}${token}`]
}

/** The token in a `Sec-WebSocket-Protocol` request header, if one is offered. */
export function tokenFromSubprotocols (header: string | undefined): string | undefined {
  for (const offered of (header ?? '').split(',')) {
    const protocol = offered.trim()
    if (protocol.startsWith(TOKEN_SUBPROTOCOL_PREFIX)) return protocol.slice(TOKEN_SUBPROTOCOL_PREFIX.length)
  }
  return undefined
}

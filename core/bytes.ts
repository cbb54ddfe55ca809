/** Small byte helpers shared across the engine. */

/**
 * libsignal's and the generated codecs' typings want `Uint8Array<ArrayBuffer>`;
 * Node Buffers and subarrays are typed over `ArrayBufferLike`. Returns the
 * same array when it already owns a plain ArrayBuffer, else a copy.
 */
export function bytes (value: Uint8Array): Uint8Array<ArrayBuffer> {
  if (value.buffer instanceof ArrayBuffer && value.byteOffset === 0 && value.byteLength === value.buffer.byteLength) {
    return value as Uint8Array<ArrayBuffer>
  }
  return new Uint8Array(value)
}

export function concatBytes (...parts: Uint8Array[]): Uint8Array<ArrayBuffer> {
  const out = new Uint8Array(parts.reduce((n, p) => n + p.length, 0))
  let offset = 0
  for (const part of parts) {
    out.set(part, offset)
    offset += part.length
  }
  return out
}

export function toHex (value: Uint8Array): string {
  return Buffer.from(value).toString('hex')
}

export function fromHex (text: string): Uint8Array<ArrayBuffer> {
  return bytes(new Uint8Array(Buffer.from(text, 'hex')))
}

export function equalBytes (a: Uint8Array, b: Uint8Array): boolean {
  return a.length === b.length && Buffer.from(a.buffer, a.byteOffset, a.byteLength).equals(Buffer.from(b.buffer, b.byteOffset, b.byteLength))
}

import QRCode from 'qrcode'

/** A QR symbol as one SVG path: each dark module is a 1×1 square. */
export interface QrShape {
  /** Modules per side, without the quiet zone. */
  size: number
  path: string
}

/**
 * Builds the QR symbol locally (nothing leaves the device) and describes it
 * as SVG path data. We render that path as a React `<svg>` instead of the
 * library's SVG string or a data: URL, so the page needs no innerHTML and
 * the CSP needs no `img-src data:`.
 */
export function qrShape (content: string | Uint8Array): QrShape {
  const segments = typeof content === 'string'
    ? content
    : [{ data: content, mode: 'byte' as const }]
  const { modules } = QRCode.create(segments, { errorCorrectionLevel: 'M' })
  let path = ''
  for (let row = 0; row < modules.size; row++) {
    for (let col = 0; col < modules.size; col++) {
      if (modules.get(row, col) !== 0) path += `M${col} ${row}h1v1h-1z`
    }
  }
  return { size: modules.size, path }
}

/** Decodes the engine's base64 (e.g. a safety number's `scannable`) without Node's Buffer. */
export function base64ToBytes (base64: string): Uint8Array {
  const binary = atob(base64)
  const bytes = new Uint8Array(binary.length)
  for (let i = 0; i < binary.length; i++) bytes[i] = binary.charCodeAt(i)
  return bytes
}

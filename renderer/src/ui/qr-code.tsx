import { useMemo } from 'react'
import { qrShape } from '../qr.js'

/** White border around the symbol, in modules; the QR standard asks for 4. */
const QUIET_ZONE = 4

/** Default smallest side, in CSS pixels, quiet zone included. */
const DEFAULT_MIN_SIZE_PX = 176

interface QrCodeProps {
  content: string | Uint8Array
  label: string
  /**
   * Smallest side in CSS pixels, quiet zone included. The symbol is drawn a
   * whole number of pixels per module (so at least this, and less than one
   * module-row's worth more): fractional modules blur or come out uneven.
   */
  minSize?: number
}

/**
 * A QR code drawn as an inline SVG path, dark on light in every theme so
 * cameras read it. `content` should be stable between renders (memoise bytes).
 */
export function QrCode ({ content, label, minSize = DEFAULT_MIN_SIZE_PX }: QrCodeProps): React.JSX.Element {
  const shape = useMemo(() => {
    try {
      return qrShape(content)
    } catch {
      return null
    }
  }, [content])
  if (shape == null) return <p className='muted'>This is too long for a QR code; use the text instead.</p>
  const side = shape.size + 2 * QUIET_ZONE
  const pixels = side * Math.max(1, Math.ceil(minSize / side))
  return (
    <svg
      className='qr-code'
      role='img'
      aria-label={label}
      width={pixels}
      height={pixels}
      viewBox={`${-QUIET_ZONE} ${-QUIET_ZONE} ${side} ${side}`}
      shapeRendering='crispEdges'
    >
      <rect className='qr-light' x={-QUIET_ZONE} y={-QUIET_ZONE} width={side} height={side} />
      <path className='qr-dark' d={shape.path} />
    </svg>
  )
}

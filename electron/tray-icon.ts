/**
 * The tray icon, drawn in code (Parley ships no image assets): a round
 * speech bubble, with a red dot when something is unread. Returns raw BGRA
 * pixels for `nativeImage.createFromBitmap`.
 */
export const TRAY_ICON_SIZE = 32

const BUBBLE: Rgb = [59, 130, 246]
const BADGE: Rgb = [239, 68, 68]
const WHITE: Rgb = [255, 255, 255]

type Rgb = [number, number, number]

export function drawTrayIcon (badge: boolean, size = TRAY_ICON_SIZE): Buffer {
  const pixels = Buffer.alloc(size * size * 4)
  const s = size / 32
  for (let y = 0; y < size; y++) {
    for (let x = 0; x < size; x++) {
      const px = x + 0.5
      const py = y + 0.5
      let color: Rgb | undefined
      let alpha = 0
      // Bubble body and its tail towards the lower left.
      const body = coverage(Math.hypot(px - 15 * s, py - 14 * s), 12 * s)
      const tail = px < 12 * s && py > 20 * s && py < 29 * s && px > 4 * s && (px - 4 * s) > (py - 20 * s) * 0.9 ? 1 : 0
      const bubble = Math.max(body, tail)
      if (bubble > 0) { color = BUBBLE; alpha = bubble }
      // Three white dots: "someone is talking".
      for (const dx of [-6, 0, 6]) {
        const dot = coverage(Math.hypot(px - (15 + dx) * s, py - 14 * s), 2 * s)
        if (dot > 0 && bubble > 0) color = mix(BUBBLE, WHITE, dot)
      }
      if (badge) {
        const ring = coverage(Math.hypot(px - 25 * s, py - 7 * s), 7 * s)
        const dot = coverage(Math.hypot(px - 25 * s, py - 7 * s), 5.5 * s)
        if (ring > 0) {
          color = mix(color ?? WHITE, WHITE, ring)
          alpha = Math.max(alpha, ring)
        }
        if (dot > 0) color = mix(color ?? WHITE, BADGE, dot)
      }
      if (color == null || alpha === 0) continue
      const i = (y * size + x) * 4
      pixels[i] = color[2]
      pixels[i + 1] = color[1]
      pixels[i + 2] = color[0]
      pixels[i + 3] = Math.round(alpha * 255)
    }
  }
  return pixels
}

/** Anti-aliased inside-ness of a point `distance` from the centre of a disc of `radius`. */
function coverage (distance: number, radius: number): number {
  return Math.min(1, Math.max(0, radius - distance + 0.5))
}

function mix (from: Rgb, to: Rgb, t: number): Rgb {
  const channel = (a: number, b: number): number => Math.round(a + (b - a) * t)
  return [channel(from[0], to[0]), channel(from[1], to[1]), channel(from[2], to[2])]
}

/** Tooltip text for the tray. */
export function trayTooltip (unread: number): string {
  if (unread === 0) return 'Parley'
  return `Parley: ${unread > 999 ? '999+' : unread} unread`
}

import { describe, expect, it } from 'vitest'
import { TRAY_ICON_SIZE, drawTrayIcon, trayTooltip } from '../../../electron/tray-icon.js'

describe('tray icon', () => {
  it('is a BGRA bitmap of the right size, transparent in the corners', () => {
    const plain = drawTrayIcon(false)
    expect(plain.length).toBe(TRAY_ICON_SIZE * TRAY_ICON_SIZE * 4)
    expect(plain[3]).toBe(0)
    // Inside the bubble, below its dots: the bubble's blue (B, G, R, A).
    const body = (21 * TRAY_ICON_SIZE + 15) * 4
    expect([...plain.subarray(body, body + 4)]).toEqual([246, 130, 59, 255])
    // A dot is white.
    const dot = (14 * TRAY_ICON_SIZE + 15) * 4
    expect([...plain.subarray(dot, dot + 4)]).toEqual([255, 255, 255, 255])
  })

  it('adds a red badge when something is unread', () => {
    const badge = drawTrayIcon(true)
    const dot = (7 * TRAY_ICON_SIZE + 25) * 4
    expect([...badge.subarray(dot, dot + 4)]).toEqual([68, 68, 239, 255])
    expect(badge.equals(drawTrayIcon(false))).toBe(false)
  })

  it('says how many are unread', () => {
    expect(trayTooltip(0)).toBe('Parley')
    expect(trayTooltip(3)).toBe('Parley: 3 unread')
    expect(trayTooltip(5000)).toBe('Parley: 999+ unread')
  })
})

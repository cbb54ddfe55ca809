import { describe, expect, it } from 'vitest'
import { isPermissionAllowed } from '../../../electron/permissions.js'

const OWN = ['app://parley', 'app://passphrase']

describe('permission policy', () => {
  it.each(['media', 'geolocation', 'notifications', 'openExternal', 'hid', 'usb', 'serial', 'fullscreen', 'clipboard-read', 'display-capture', 'unknown'])('refuses %s, even to our own pages', permission => {
    expect(isPermissionAllowed(permission, 'app://parley/index.html', OWN)).toBe(false)
  })

  it('lets only our own pages write to the clipboard', () => {
    expect(isPermissionAllowed('clipboard-sanitized-write', 'app://parley/index.html', OWN)).toBe(true)
    expect(isPermissionAllowed('clipboard-sanitized-write', 'app://parley', OWN)).toBe(true)
    expect(isPermissionAllowed('clipboard-sanitized-write', 'https://evil.com/', OWN)).toBe(false)
    expect(isPermissionAllowed('clipboard-sanitized-write', 'app://x@parley/', OWN)).toBe(false)
    expect(isPermissionAllowed('clipboard-sanitized-write', undefined, OWN)).toBe(false)
    expect(isPermissionAllowed('clipboard-sanitized-write', '', OWN)).toBe(false)
  })
})

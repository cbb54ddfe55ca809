import { FuseV1Options, FuseVersion } from '@electron/fuses'
import { describe, expect, it } from 'vitest'
import { FUSES } from '../../../electron/fuses.js'

describe('Electron fuses', () => {
  it('sets each fuse as the issue asks', () => {
    expect(FUSES.version).toBe(FuseVersion.V1)
    expect(FUSES[FuseV1Options.RunAsNode]).toBe(false)
    expect(FUSES[FuseV1Options.EnableNodeOptionsEnvironmentVariable]).toBe(false)
    expect(FUSES[FuseV1Options.EnableNodeCliInspectArguments]).toBe(false)
    expect(FUSES[FuseV1Options.EnableCookieEncryption]).toBe(true)
    expect(FUSES[FuseV1Options.EnableEmbeddedAsarIntegrityValidation]).toBe(true)
    expect(FUSES[FuseV1Options.OnlyLoadAppFromAsar]).toBe(true)
    expect(FUSES[FuseV1Options.GrantFileProtocolExtraPrivileges]).toBe(false)
    expect(FUSES[FuseV1Options.LoadBrowserProcessSpecificV8Snapshot]).toBe(false)
  })

  it('names every fuse this @electron/fuses knows, so a new one fails the build until decided', () => {
    expect(FUSES.strictlyRequireAllFuses).toBe(true)
    const known = Object.values(FuseV1Options).filter((v): v is number => typeof v === 'number')
    expect(known.length).toBeGreaterThanOrEqual(8)
    for (const fuse of known) expect(typeof (FUSES as Record<number, unknown>)[fuse]).toBe('boolean')
  })
})

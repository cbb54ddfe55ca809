import { FuseV1Options, FuseVersion } from '@electron/fuses'
import type { FuseV1Config } from '@electron/fuses'

/**
 * Electron fuses flipped in the packaged binary (forge.config.ts). Every fuse
 * is named (`strictlyRequireAllFuses`), so an Electron upgrade that adds one
 * fails the build until someone decides its value.
 */
export const FUSES: FuseV1Config = {
  version: FuseVersion.V1,
  strictlyRequireAllFuses: true,
  // The binary must not double as a plain Node interpreter (ELECTRON_RUN_AS_NODE).
  [FuseV1Options.RunAsNode]: false,
  [FuseV1Options.EnableCookieEncryption]: true,
  // No code injection through NODE_OPTIONS or a debugger port.
  [FuseV1Options.EnableNodeOptionsEnvironmentVariable]: false,
  [FuseV1Options.EnableNodeCliInspectArguments]: false,
  // Enforced on macOS and Windows; Electron does not check ASAR integrity on Linux yet.
  [FuseV1Options.EnableEmbeddedAsarIntegrityValidation]: true,
  [FuseV1Options.OnlyLoadAppFromAsar]: true,
  [FuseV1Options.LoadBrowserProcessSpecificV8Snapshot]: false,
  // Pages come from the app:// scheme; file:// gets no extra privileges.
  [FuseV1Options.GrantFileProtocolExtraPrivileges]: false
}

/** Parley has one device per identity, so every libsignal address uses device 1. */
export const PARLEY_DEVICE_ID = 1

/** How libsignal protocol addresses are keyed in the database: `<PeerId>.<device>`. */
export function signalAddressKey (name: string, deviceId: number): string {
  return `${name}.${deviceId}`
}

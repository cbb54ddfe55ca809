/**
 * The database-key wrapping contract, re-exported for the desktop shell:
 * electron/ may import only core/api and core/host (docs/architecture.md), yet it
 * implements a `KeyWrapper` (safeStorage) and falls back to the passphrase one.
 */
export type { KeyWrapper, WrappedKey } from '../store/key-wrapper.js'
export { PassphraseKeyWrapper, wrappedKeySchema } from '../store/key-wrapper.js'

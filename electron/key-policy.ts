/**
 * How the database key is protected on this machine: the OS keystore through
 * safeStorage when it is really there, a passphrase when the user chooses
 * one, and never a key stored in effect unprotected. Pure decisions; main.ts
 * supplies the facts and shows the dialogs.
 */

/** `kind` of keys wrapped by safeStorage (electron/safe-storage-key-wrapper.ts). */
export const SAFE_STORAGE_KIND = 'electron-safe-storage'
/** `kind` of core's PassphraseKeyWrapper (checked against it in the tests). */
export const PASSPHRASE_KIND = 'passphrase-scrypt'

export interface KeystoreStatus {
  /** safeStorage can encrypt now (after `ready`). */
  available: boolean
  /** On Linux `getSelectedStorageBackend()`; elsewhere the platform's one keystore. */
  backend: string
}

export type KeystoreProblem =
  | { kind: 'unavailable', backend: string }
  | { kind: 'basic_text' }
  | { kind: 'backend_changed', from: string, to: string }

/** What key.json holds, as far as main needs to know. */
export type StoredKey =
  | { kind: 'none' }
  | { kind: 'safe-storage', backend: string }
  | { kind: 'passphrase' }
  | { kind: 'unsupported', detail: string }

export type KeyPlan =
  /** Use safeStorage (new key, or the one it already holds). */
  | { use: 'safe-storage' }
  /** Ask for a passphrase: a new one (twice) or the existing one. */
  | { use: 'passphrase', isNew: boolean }
  /** No key yet and no trustworthy keystore: the user picks a passphrase or quits. */
  | { use: 'ask', problem: KeystoreProblem }
  /** A key exists but cannot be opened here: explain and quit; nothing else is safe. */
  | { use: 'stop', title: string, detail: string }

/** The name safeStorage's backend goes by, per platform. */
export function backendName (platform: string, linuxBackend?: string): string {
  switch (platform) {
    case 'linux': return linuxBackend ?? 'unknown'
    case 'darwin': return 'keychain'
    case 'win32': return 'dpapi'
    default: return 'unknown'
  }
}

/**
 * Why the keystore must not be used for a key (wrapped under `wrappedUnder`
 * when one exists). `basic_text` encrypts with a fixed password that is in
 * Chromium's source, so it counts as plaintext; a changed backend cannot
 * decrypt what another one encrypted.
 */
export function keystoreProblem (status: KeystoreStatus, wrappedUnder?: string): KeystoreProblem | undefined {
  if (status.backend === 'basic_text') return { kind: 'basic_text' }
  if (!status.available || status.backend === 'unknown') return { kind: 'unavailable', backend: status.backend }
  if (wrappedUnder != null && wrappedUnder !== status.backend) return { kind: 'backend_changed', from: wrappedUnder, to: status.backend }
  return undefined
}

export function planKey (stored: StoredKey, status: KeystoreStatus): KeyPlan {
  switch (stored.kind) {
    case 'none': {
      const problem = keystoreProblem(status)
      return problem == null ? { use: 'safe-storage' } : { use: 'ask', problem }
    }
    case 'safe-storage': {
      const problem = keystoreProblem(status, stored.backend)
      return problem == null ? { use: 'safe-storage' } : { use: 'stop', ...lockedKeyWords(stored.backend, problem) }
    }
    case 'passphrase':
      return { use: 'passphrase', isNew: false }
    case 'unsupported':
      return { use: 'stop', title: 'Parley cannot read its key file', detail: stored.detail }
    default:
      return unreachable(stored)
  }
}

/** The dialog for `ask`: the first button uses a passphrase, the second quits. */
export function askDialog (problem: KeystoreProblem): { title: string, detail: string, buttons: [string, string] } {
  const why = problem.kind === 'basic_text'
    ? 'Your desktop offers no secure keystore: Electron would fall back to "basic_text", which locks the key with a password anyone can look up.'
    : 'Your system keystore (such as GNOME Keyring or KWallet) is not available.'
  return {
    title: 'Protect your messages with a passphrase?',
    detail: `${why}\n\nParley will not store the key that encrypts your messages unprotected. You can protect it with a passphrase instead, which you type each time Parley starts, or quit and set up a keystore first.`,
    buttons: ['Use a passphrase', 'Quit']
  }
}

function lockedKeyWords (backend: string, problem: KeystoreProblem): { title: string, detail: string } {
  const flag = passwordStoreFlag(backend)
  const hint = flag == null ? '' : `\n\nIf that keystore is installed, start Parley with --password-store=${flag}.`
  if (problem.kind === 'backend_changed') {
    return {
      title: 'The keystore holding your key has changed',
      detail: `Your database key is locked in "${problem.from}", but this session offers "${problem.to}". Parley cannot open your messages with a different keystore and will not fall back to an unprotected key.${hint}`
    }
  }
  return {
    title: 'Your system keystore is not available',
    detail: `Your database key is locked in "${backend}", which is not available now. Unlock or start it, then open Parley again.${hint}`
  }
}

/** Chromium's `--password-store` value for a Linux backend, when there is one. */
function passwordStoreFlag (backend: string): string | undefined {
  switch (backend) {
    case 'gnome_libsecret': return 'gnome-libsecret'
    case 'kwallet': case 'kwallet5': case 'kwallet6': return backend
    default: return undefined
  }
}

function unreachable (value: never): never {
  throw new Error(`unexpected value ${JSON.stringify(value)}`)
}

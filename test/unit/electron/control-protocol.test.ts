import { describe, expect, it } from 'vitest'
import { NOTIFICATION_BODY_MAX, parseEngineToMain, parseMainToEngine } from '../../../electron/control-protocol.js'

describe('main ↔ engine control protocol', () => {
  it('accepts each well-formed message', () => {
    expect(parseMainToEngine({ type: 'start', dataDir: '/d', key: { mode: 'safe-storage' } })).toBeDefined()
    expect(parseMainToEngine({ type: 'start', dataDir: '/d', key: { mode: 'passphrase', passphrase: 'pw' } })).toBeDefined()
    expect(parseMainToEngine({ type: 'connect' })).toEqual({ type: 'connect' })
    expect(parseMainToEngine({ type: 'stop' })).toEqual({ type: 'stop' })
    expect(parseMainToEngine({ type: 'keystore-result', id: 1, result: { ok: true, data: 'AAEC', backend: 'gnome_libsecret' } })).toBeDefined()
    expect(parseMainToEngine({ type: 'keystore-result', id: 1, result: { ok: false, code: 'keystore_changed', message: 'no' } })).toBeDefined()
    expect(parseEngineToMain({ type: 'keystore-encrypt', id: 0, plaintext: 'AAEC' })).toBeDefined()
    expect(parseEngineToMain({ type: 'keystore-decrypt', id: 2, ciphertext: 'djEx', backend: 'kwallet5' })).toBeDefined()
    expect(parseEngineToMain({ type: 'ready', state: 'onboarding' })).toBeDefined()
    expect(parseEngineToMain({ type: 'failed', code: 'wrong_passphrase', message: 'wrong' })).toBeDefined()
    expect(parseEngineToMain({ type: 'unread', unread: 3 })).toEqual({ type: 'unread', unread: 3 })
    expect(parseEngineToMain({ type: 'unread', unread: 3, notify: { title: 'New message' } })).toBeDefined()
  })

  it('drops anything else: unknown types, extra fields, wrong shapes', () => {
    for (const bad of [
      undefined, null, 'start', 42, {}, { type: 'eval', code: '1' },
      { type: 'connect', extra: true },
      { type: 'start', dataDir: '', key: { mode: 'safe-storage' } },
      { type: 'start', dataDir: '/d', key: { mode: 'plaintext' } },
      { type: 'start', dataDir: '/d', key: { mode: 'passphrase', passphrase: '' } },
      { type: 'keystore-result', id: -1, result: { ok: true, data: 'AA==', backend: 'x' } },
      { type: 'keystore-result', id: 1, result: { ok: true, data: 'not base64!', backend: 'x' } },
      { type: 'keystore-result', id: 1, result: { ok: true, data: 'AA==', backend: 'Has Spaces' } },
      { type: 'keystore-result', id: 1, result: { ok: false, code: 'whatever', message: '' } }
    ]) expect(parseMainToEngine(bad), JSON.stringify(bad)).toBeUndefined()
    for (const bad of [
      { type: 'unread', unread: -1 },
      { type: 'unread', unread: 1.5 },
      { type: 'unread', unread: 1, notify: { title: '' } },
      { type: 'unread', unread: 1, notify: { title: 't', body: 'x'.repeat(NOTIFICATION_BODY_MAX + 1) } },
      { type: 'unread', unread: 1, notify: { title: 't', sender: 'peer' } },
      // Chat traffic has no place on the control channel.
      { type: 'message', id: 1, text: 'hello' },
      { id: 1, method: 'send', params: {} },
      { type: 'keystore-encrypt', id: 1, plaintext: 'A'.repeat(5000) },
      { type: 'ready', state: 'running' }
    ]) expect(parseEngineToMain(bad), JSON.stringify(bad)).toBeUndefined()
  })
})

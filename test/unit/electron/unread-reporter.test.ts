import { afterEach, describe, expect, it, vi } from 'vitest'
import { NOTIFICATION_BODY_MAX, parseEngineToMain } from '../../../electron/control-protocol.js'
import { clip, notificationFor, startUnreadReporter } from '../../../electron/unread-reporter.js'
import type { EngineToMain } from '../../../electron/control-protocol.js'
import type { UnreadSource } from '../../../electron/unread-reporter.js'

type Listener = (message: { peerId: string, outgoing: boolean, text: string }) => void

function fakeSource (init: { unread?: number, enabled?: boolean, showContent?: boolean, contacts?: Record<string, string> } = {}): UnreadSource & { unread: number, emit: Listener, settings: { enabled: boolean, showContent: boolean } } {
  const listeners: Listener[] = []
  const source = {
    unread: init.unread ?? 0,
    settings: { enabled: init.enabled ?? true, showContent: init.showContent ?? false },
    emit: (message: Parameters<Listener>[0]) => { for (const l of listeners) l(message) },
    onMessage: (listener: Listener) => {
      listeners.push(listener)
      return () => { listeners.splice(listeners.indexOf(listener), 1) }
    },
    unreadTotal: () => source.unread,
    notificationSettings: () => source.settings,
    contactName: (peerId: string) => init.contacts?.[peerId]
  }
  return source
}

afterEach(() => { vi.useRealTimers() })

describe('unread reporter', () => {
  it('reports the total at start, after each incoming message and when reading lowers it', () => {
    vi.useFakeTimers()
    const sent: EngineToMain[] = []
    const source = fakeSource({ unread: 2, contacts: { alice: 'Alice' } })
    const stop = startUnreadReporter(source, m => { sent.push(m) }, 1000)
    expect(sent).toEqual([{ type: 'unread', unread: 2 }])
    source.unread = 3
    source.emit({ peerId: 'alice', outgoing: false, text: 'hi' })
    expect(sent.at(-1)).toEqual({ type: 'unread', unread: 3, notify: { title: 'New message' } })
    // Our own messages change nothing and ring nothing.
    source.emit({ peerId: 'alice', outgoing: true, text: 'hello' })
    expect(sent).toHaveLength(2)
    // Reading raises no event: the poll notices, once.
    source.unread = 0
    vi.advanceTimersByTime(1000)
    vi.advanceTimersByTime(1000)
    expect(sent.slice(2)).toEqual([{ type: 'unread', unread: 0 }])
    stop()
    source.unread = 5
    vi.advanceTimersByTime(5000)
    source.emit({ peerId: 'alice', outgoing: false, text: 'late' })
    expect(sent).toHaveLength(3)
    for (const message of sent) expect(parseEngineToMain(message)).toEqual(message)
  })

  it('shows who and what only when the user turned on "show content"', () => {
    const hidden = fakeSource({ contacts: { alice: 'Alice' } })
    expect(notificationFor({ peerId: 'alice', text: 'secret plans' }, hidden)).toEqual({ title: 'New message' })
    const shown = fakeSource({ showContent: true, contacts: { alice: 'Alice' } })
    expect(notificationFor({ peerId: 'alice', text: 'secret plans' }, shown)).toEqual({ title: 'Alice', body: 'secret plans' })
    const off = fakeSource({ enabled: false, showContent: true, contacts: { alice: 'Alice' } })
    expect(notificationFor({ peerId: 'alice', text: 'x' }, off)).toBeUndefined()
  })

  it('does not ring for a stranger\'s message request', () => {
    expect(notificationFor({ peerId: 'stranger', text: 'hey' }, fakeSource({ showContent: true }))).toBeUndefined()
  })

  it('cuts and cleans notification text to what the schema allows', () => {
    const long = '😀'.repeat(300)
    const clipped = clip(long, NOTIFICATION_BODY_MAX)
    expect(clipped.length).toBeLessThanOrEqual(NOTIFICATION_BODY_MAX)
    expect(clipped.endsWith('…')).toBe(true)
    expect(clipped).not.toMatch(/[\uD800-\uDBFF]…$/)
    expect(clip('a\u202eevil\nline\u0000', 100)).toBe('a evil line')
    expect(clip('   ', 10)).toBe('…')
  })
})

// @vitest-environment jsdom
import { cleanup, screen, waitFor, within } from '@testing-library/react'
import { afterEach, describe, expect, it, vi } from 'vitest'
import { ALICE, contact, fakeEngine, message } from './fake-engine.js'
import { openConversation } from './render-app.js'
import type { FakeEngine } from './fake-engine.js'

let engine: FakeEngine
afterEach(() => {
  cleanup()
  engine.close()
  vi.restoreAllMocks()
})

/** "аpple.com" with a Cyrillic "а": it looks like apple.com and is xn--pple-43d.com. */
const LOOKALIKE = 'https://\u0430pple.com/login'

describe('links whose host is written in non-ASCII letters', () => {
  it('show the host they really open, and ask before opening it', async () => {
    engine = fakeEngine({
      contacts: new Map([[ALICE, contact(ALICE, 'Alice')]]),
      messages: [message(ALICE, `log in at ${LOOKALIKE} now, or https://example.org`, { outgoing: false })]
    })
    const { user, log } = await openConversation(engine, 'Alice')
    const open = vi.spyOn(window, 'open').mockReturnValue(null)
    const item = await within(log).findByRole('listitem')

    const link = within(item).getByRole('link', { name: LOOKALIKE })
    expect(item.textContent).toContain(`${LOOKALIKE} (goes to xn--pple-43d.com)`)
    // A plain ASCII link gets no note.
    expect(within(item).getByRole('link', { name: 'https://example.org' })).toBeDefined()
    expect(item.querySelectorAll('.link-real-host')).toHaveLength(1)

    await user.click(link)
    const dialog = screen.getByRole('alertdialog', { name: 'Open this link?' })
    expect(dialog.textContent).toContain('This link goes to xn--pple-43d.com.')
    await user.click(within(dialog).getByRole('button', { name: 'Cancel' }))
    expect(open).not.toHaveBeenCalled()
    expect(screen.queryByRole('alertdialog')).toBeNull()

    await user.click(link)
    await user.click(within(screen.getByRole('alertdialog')).getByRole('button', { name: 'Open link' }))
    expect(open).toHaveBeenCalledWith('https://xn--pple-43d.com/login', '_blank', 'noopener,noreferrer')
    await waitFor(() => { expect(screen.queryByRole('alertdialog')).toBeNull() })
  })
})

// @vitest-environment jsdom
import { cleanup, screen, waitFor, within } from '@testing-library/react'
import { afterEach, describe, expect, it } from 'vitest'
import { ALICE, SAFETY_DIGITS, contact, fakeEngine } from './fake-engine.js'
import { openConversation } from './render-app.js'
import type { Contact } from '../../../core/api/contract.js'
import type { FakeEngine } from './fake-engine.js'

let engine: FakeEngine
afterEach(() => {
  cleanup()
  engine.close()
})

async function openContactInfo (alice: Contact): Promise<Awaited<ReturnType<typeof openConversation>> & { view: HTMLElement }> {
  engine = fakeEngine({ contacts: new Map([[ALICE, alice]]) })
  const opened = await openConversation(engine, 'Alice')
  await opened.user.click(screen.getByRole('button', { name: 'Contact info' }))
  const view = await screen.findByTestId('contact-view')
  await within(view).findByTestId('safety-digits')
  return { ...opened, view }
}

describe('contact view', () => {
  it('shows the 60-digit safety number in 12 groups of 5, and a QR code', async () => {
    const { view } = await openContactInfo(contact(ALICE, 'Alice'))

    expect(within(view).getByRole('heading', { name: 'Safety number' })).toBeDefined()
    const groups = Array.from(within(view).getByTestId('safety-digits').querySelectorAll('.safety-group')).map(group => group.textContent ?? '')
    expect(groups).toHaveLength(12)
    for (const group of groups) expect(group).toMatch(/^[0-9]{5}$/)
    expect(groups.join('')).toBe(SAFETY_DIGITS)
    expect(within(view).getByRole('img', { name: 'Scannable safety number with Alice' }).querySelector('path')).not.toBeNull()
    expect(engine.callsOf('safetyNumber')).toEqual([{ peerId: ALICE }])
  })

  it('marks the contact verified through the API', async () => {
    const { user, view } = await openContactInfo(contact(ALICE, 'Alice'))

    await user.click(within(view).getByRole('button', { name: 'Mark verified' }))

    expect(engine.callsOf('markVerified')).toEqual([{ peerId: ALICE, verified: true }])
    // The name is isolated in a <bdi> of its own, so the sentence spans elements.
    await waitFor(() => { expect(view.querySelector('.verification .verified')?.textContent).toBe('You have verified Alice.') })
    expect(within(view).getByRole('button', { name: 'Mark as not verified' })).toBeDefined()
  })

  it('warns loudly about a changed identity, in the chat and here, until it is accepted', async () => {
    engine = fakeEngine({ contacts: new Map([[ALICE, contact(ALICE, 'Alice', { identityChanged: true, verified: true })]]) })
    const { user } = await openConversation(engine, 'Alice')

    const chatWarning = screen.getByRole('alert')
    expect(chatWarning.textContent).toContain('Your safety number with Alice has changed')
    await user.click(within(chatWarning).getByRole('button', { name: 'Review safety number' }))

    const view = await screen.findByTestId('contact-view')
    const warning = within(view).getByRole('alert')
    expect(warning.textContent).toContain('Your safety number with Alice has changed')
    await user.click(within(warning).getByRole('button', { name: 'Accept new safety number' }))

    expect(engine.callsOf('acceptIdentityChange')).toEqual([{ peerId: ALICE }])
    await waitFor(() => { expect(within(view).queryByRole('alert')).toBeNull() })
    // Accepting a new key does not carry the old verification over.
    expect(within(view).getByRole('button', { name: 'Mark verified' })).toBeDefined()
    await waitFor(() => { expect(engine.callsOf('safetyNumber')).toHaveLength(2) })
  })

  it('renames and, after confirming, removes the contact', async () => {
    const { user, view } = await openContactInfo(contact(ALICE, 'Alice'))

    await user.click(within(view).getByRole('button', { name: 'Rename' }))
    const field = within(view).getByRole('textbox', { name: 'New name' })
    await user.clear(field)
    await user.type(field, 'Alice L.{Enter}')
    expect(engine.callsOf('renameContact')).toEqual([{ peerId: ALICE, name: 'Alice L.' }])
    expect(await within(view).findByRole('heading', { name: 'Alice L.' })).toBeDefined()

    await user.click(within(view).getByRole('button', { name: 'Remove contact' }))
    const confirm = screen.getByRole('alertdialog', { name: 'Remove Alice L.?' })
    await user.click(within(confirm).getByRole('button', { name: 'Cancel' }))
    expect(engine.callsOf('removeContact')).toEqual([])

    await user.click(within(view).getByRole('button', { name: 'Remove contact' }))
    await user.click(within(screen.getByRole('alertdialog')).getByRole('button', { name: 'Remove' }))
    expect(engine.callsOf('removeContact')).toEqual([{ peerId: ALICE }])
    await waitFor(() => { expect(screen.queryByTestId('contact-view')).toBeNull() })
    await waitFor(() => { expect(within(screen.getByRole('list', { name: 'Conversations' })).queryByRole('button')).toBeNull() })
  })
})

// @vitest-environment jsdom
import { cleanup, screen, waitFor, within } from '@testing-library/react'
import { afterEach, describe, expect, it } from 'vitest'
import { ALICE, NEWER_IDENTITY_KEY, NEW_IDENTITY_KEY, PENDING_SAFETY_DIGITS, SAFETY_DIGITS, contact, fakeEngine } from './fake-engine.js'
import { openConversation } from './render-app.js'
import type { Contact } from '../../../core/api/contract.js'
import type { FakeEngine } from './fake-engine.js'

let engine: FakeEngine
afterEach(() => {
  cleanup()
  engine.close()
})

function digitsOf (element: HTMLElement): string {
  return Array.from(element.querySelectorAll('.safety-group')).map(group => group.textContent ?? '').join('')
}

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
    expect(within(view).getByRole('img', { name: 'Scannable safety number with \u2068Alice\u2069' }).querySelector('path')).not.toBeNull()
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

  it('warns loudly about a changed identity, in the chat and here, and accepts the key of the new number shown', async () => {
    engine = fakeEngine({ contacts: new Map([[ALICE, contact(ALICE, 'Alice', { identityChanged: true, verified: true, pendingIdentityKey: NEW_IDENTITY_KEY })]]) })
    const { user } = await openConversation(engine, 'Alice')

    const chatWarning = screen.getByRole('alert')
    expect(chatWarning.textContent).toContain('Your safety number with Alice has changed')
    await user.click(within(chatWarning).getByRole('button', { name: 'Review safety number' }))

    const view = await screen.findByTestId('contact-view')
    const warning = within(view).getByRole('alert')
    expect(warning.textContent).toContain('Your safety number with Alice has changed')
    // The number to compare is the one with the new key; the old one is only kept for reference.
    expect(within(view).getByRole('heading', { name: 'New safety number' })).toBeDefined()
    expect(digitsOf(await within(view).findByTestId('pending-safety-digits'))).toBe(PENDING_SAFETY_DIGITS)
    expect(within(view).getByText('Previous safety number')).toBeDefined()
    expect(within(view).queryByRole('button', { name: 'Mark verified' })).toBeNull()
    await user.click(within(view).getByRole('button', { name: 'Accept new safety number' }))

    expect(engine.callsOf('acceptIdentityChange')).toEqual([{ peerId: ALICE, identityKey: NEW_IDENTITY_KEY }])
    await waitFor(() => { expect(within(view).queryByRole('alert')).toBeNull() })
    // Accepting a new key does not carry the old verification over.
    expect(within(view).getByRole('button', { name: 'Mark verified' })).toBeDefined()
    await waitFor(() => { expect(engine.callsOf('safetyNumber')).toHaveLength(2) })
    expect(within(view).queryByTestId('pending-safety-digits')).toBeNull()
  })

  it('offers nothing to accept until the new key is known, then shows its number', async () => {
    engine = fakeEngine({ contacts: new Map([[ALICE, contact(ALICE, 'Alice', { identityChanged: true })]]) })
    const { user } = await openConversation(engine, 'Alice')
    await user.click(screen.getByRole('button', { name: 'Contact info' }))
    const view = await screen.findByTestId('contact-view')
    expect(await within(view).findByText((_, el) => el?.tagName === 'P' && /^Waiting for Alice’s new key/.test(el.textContent))).toBeDefined()
    expect(within(view).queryByRole('button', { name: 'Accept new safety number' })).toBeNull()

    // The engine learns the key and says so.
    const learned = { ...engine.state.contacts.get(ALICE) ?? contact(ALICE, 'Alice'), pendingIdentityKey: NEW_IDENTITY_KEY }
    engine.state.contacts.set(ALICE, learned)
    engine.server.emit('contact', learned)

    expect(digitsOf(await within(view).findByTestId('pending-safety-digits'))).toBe(PENDING_SAFETY_DIGITS)
    await user.click(within(view).getByRole('button', { name: 'Accept new safety number' }))
    expect(engine.callsOf('acceptIdentityChange')).toEqual([{ peerId: ALICE, identityKey: NEW_IDENTITY_KEY }])
  })

  it('shows the newer number when the key changed again while the old one was on screen', async () => {
    engine = fakeEngine({ contacts: new Map([[ALICE, contact(ALICE, 'Alice', { identityChanged: true, pendingIdentityKey: NEW_IDENTITY_KEY })]]) })
    const { user } = await openConversation(engine, 'Alice')
    await user.click(screen.getByRole('button', { name: 'Contact info' }))
    const view = await screen.findByTestId('contact-view')
    await within(view).findByTestId('pending-safety-digits')
    // Meanwhile the key changes again, and the engine has not said so yet.
    engine.state.contacts.set(ALICE, { ...engine.state.contacts.get(ALICE) ?? contact(ALICE, 'Alice'), pendingIdentityKey: NEWER_IDENTITY_KEY })

    await user.click(within(view).getByRole('button', { name: 'Accept new safety number' }))
    expect(await within(view).findByText((_, el) => el?.tagName === 'P' && el.textContent === 'Alice’s safety number changed again. Compare the new one below.')).toBeDefined()
    expect(engine.state.contacts.get(ALICE)?.identityChanged).toBe(true)
    await waitFor(() => { expect(engine.callsOf('safetyNumber')).toHaveLength(2) })

    await user.click(await within(view).findByRole('button', { name: 'Accept new safety number' }))
    expect(engine.callsOf('acceptIdentityChange')).toEqual([
      { peerId: ALICE, identityKey: NEW_IDENTITY_KEY },
      { peerId: ALICE, identityKey: NEWER_IDENTITY_KEY }
    ])
    await waitFor(() => { expect(engine.state.contacts.get(ALICE)?.identityChanged).toBe(false) })
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

// @vitest-environment jsdom
import { cleanup, render, screen, within } from '@testing-library/react'
import { userEvent } from '@testing-library/user-event'
import { afterEach, describe, expect, it } from 'vitest'
import { ConnectedApp } from '../../../renderer/src/app.js'
import { ALICE, contact, fakeEngine } from './fake-engine.js'
import { openConversation } from './render-app.js'
import type { FakeEngine } from './fake-engine.js'

let engine: FakeEngine
afterEach(() => {
  cleanup()
  engine.close()
})

describe('the home pane', () => {
  it('has a header bar like every other pane, and greets "all set" only until someone is added', async () => {
    const user = userEvent.setup()
    engine = fakeEngine({ identity: null })
    render(<ConnectedApp client={engine.client} />)
    await user.type(await screen.findByRole('textbox', { name: 'Display name' }), 'Ada')
    await user.click(screen.getByRole('button', { name: 'Create identity' }))

    const greeting = await screen.findByRole('heading', { name: 'You’re all set' })
    expect(greeting.closest('header')?.className).toBe('pane-header')

    await user.click(screen.getByRole('button', { name: 'Paste an invite' }))
    const dialog = screen.getByRole('dialog', { name: 'Add a contact' })
    await user.type(within(dialog).getByRole('textbox', { name: 'Invite code' }), 'parley:theirs')
    await user.type(within(dialog).getByRole('textbox', { name: 'Contact name' }), 'Bob')
    await user.click(within(dialog).getByRole('button', { name: 'Add' }))
    await screen.findByRole('heading', { name: 'Bob' })

    await user.click(screen.getByRole('button', { name: 'Show my invite' }))
    const home = await screen.findByTestId('invite-panel')
    expect(within(home).getByRole('heading', { level: 2 }).textContent).toBe('Start a conversation')
    expect(within(home).queryByText('You’re all set')).toBeNull()
  })
})

describe('the sidebar', () => {
  it('gives the network status a row of its own, not the space left beside four tool buttons', async () => {
    engine = fakeEngine()
    render(<ConnectedApp client={engine.client} />)
    const sidebar = await screen.findByTestId('chat-list')
    const status = await within(sidebar).findByText('No peers connected')
    const row = status.closest('.network-summary')
    expect(row?.parentElement?.className).toBe('sidebar-header')
    expect(row?.closest('.me')).toBeNull()
  })
})

describe('contact info', () => {
  it('keeps "Remove contact" apart from "Rename", and quieter', async () => {
    engine = fakeEngine({ contacts: new Map([[ALICE, contact(ALICE, 'Alice')]]) })
    const { user } = await openConversation(engine, 'Alice')
    await user.click(screen.getByRole('button', { name: 'Contact info' }))
    const view = await screen.findByTestId('contact-view')

    const rename = within(view).getByRole('button', { name: 'Rename' })
    const remove = within(view).getByRole('button', { name: 'Remove contact' })
    expect(rename.closest('section')).not.toBe(remove.closest('section'))
    expect(rename.className).toBe('secondary')
    // Not a filled red button like the one that confirms the removal.
    expect(remove.className).toBe('quiet-danger')
  })
})

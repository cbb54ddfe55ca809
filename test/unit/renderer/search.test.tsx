// @vitest-environment jsdom
import { cleanup, render, screen, waitFor, within } from '@testing-library/react'
import { userEvent } from '@testing-library/user-event'
import { afterEach, describe, expect, it } from 'vitest'
import { MAX_SEARCH_CHARS } from '../../../core/api/contract.js'
import { ConnectedApp } from '../../../renderer/src/app.js'
import { ALICE, BOB, contact, fakeEngine, message } from './fake-engine.js'
import type { FakeEngine } from './fake-engine.js'

let engine: FakeEngine
afterEach(() => {
  cleanup()
  engine.close()
})

/** Alice and Bob, one message each; resolves once the chat list shows them. */
async function renderWithChats (): Promise<{ search: (text: string) => Promise<HTMLElement> }> {
  engine = fakeEngine({
    contacts: new Map([[ALICE, contact(ALICE, 'Alice')], [BOB, contact(BOB, 'Bob')]]),
    messages: [
      message(ALICE, 'lunch tomorrow?', { outgoing: false }),
      message(BOB, 'the boat leaves at noon')
    ]
  })
  const user = userEvent.setup()
  render(<ConnectedApp client={engine.client} />)
  const list = await screen.findByRole('list', { name: 'Conversations' })
  await within(list).findByRole('button', { name: /^Bob/ })
  const box = screen.getByRole('searchbox', { name: 'Search messages' })
  return {
    search: async text => {
      await user.clear(box)
      await user.type(box, text)
      const results = screen.getByTestId('search-results')
      // Settled once the engine answered and "Searching…" is gone.
      await waitFor(() => { expect(engine.callsOf('search')).toContainEqual({ query: text, limit: 50 }) })
      await waitFor(() => { expect(within(results).getByRole('status').textContent).not.toBe('Searching…') })
      return results
    }
  }
}

function headings (results: HTMLElement): string[] {
  return within(results).queryAllByRole('heading').map(h => h.textContent ?? '')
}

describe('search results', () => {
  it('shows one "No results" line, and no empty section headings, when nothing matches', async () => {
    const { search } = await renderWithChats()
    const results = await search('zebra')

    expect(headings(results)).toEqual([])
    expect(within(results).getByRole('status').textContent).toBe('No results for “zebra”.')
    expect(within(results).queryByRole('list')).toBeNull()
  })

  it('shows only the Messages section when no contact name matches', async () => {
    const { search } = await renderWithChats()
    const results = await search('lunch')

    expect(headings(results)).toEqual(['Messages'])
    const hits = within(results).getByRole('list', { name: 'Search results' })
    expect(within(hits).getByRole('button').textContent).toContain('lunch tomorrow?')
    expect(within(results).getByRole('status').textContent).toBe('')
  })

  it('shows only the Chats section when a name matches but no message does', async () => {
    const { search } = await renderWithChats()
    const results = await search('ali')

    expect(headings(results)).toEqual(['Chats'])
    const chats = within(results).getByRole('list', { name: 'Conversations' })
    expect(within(chats).getAllByRole('button').map(b => b.textContent)).toEqual([expect.stringContaining('Alice')])
    expect(within(results).getByRole('status').textContent).toBe('')
  })

  it('shows both sections when both match, and every chat again once the box is cleared', async () => {
    const { search } = await renderWithChats()
    const results = await search('bo')

    expect(headings(results)).toEqual(['Chats', 'Messages'])
    await userEvent.setup().clear(screen.getByRole('searchbox', { name: 'Search messages' }))
    expect(screen.queryByTestId('search-results')).toBeNull()
    const list = screen.getByRole('list', { name: 'Conversations' })
    expect(within(list).getAllByRole('button')).toHaveLength(2)
  })

  it(`stops the box at ${MAX_SEARCH_CHARS} characters instead of passing on a schema error`, async () => {
    await renderWithChats()
    const user = userEvent.setup()
    const box = screen.getByRole('searchbox', { name: 'Search messages' })
    await user.click(box)
    await user.paste('x'.repeat(MAX_SEARCH_CHARS + 50))

    expect(box).toHaveProperty('value', 'x'.repeat(MAX_SEARCH_CHARS))
    await waitFor(() => { expect(engine.callsOf('search')).toEqual([{ query: 'x'.repeat(MAX_SEARCH_CHARS), limit: 50 }]) })
    const results = screen.getByTestId('search-results')
    await waitFor(() => { expect(within(results).getByRole('status').textContent).toBe(`No results for “${'x'.repeat(MAX_SEARCH_CHARS)}”.`) })
    expect(within(results).queryByRole('alert')).toBeNull()
  })

  it('words a refused search for people', async () => {
    const { search } = await renderWithChats()
    engine.failNext('search', 'invalid_params', `invalid params for 'search': params.query: a search is at most ${MAX_SEARCH_CHARS} characters`)
    const results = await search('boat')
    expect(within(results).getByRole('alert').textContent).toBe(`That was not accepted: a search is at most ${MAX_SEARCH_CHARS} characters.`)
  })
})

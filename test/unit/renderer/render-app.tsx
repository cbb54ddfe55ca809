import { render, screen, within } from '@testing-library/react'
import { userEvent } from '@testing-library/user-event'
import type { UserEvent } from '@testing-library/user-event'
import { ConnectedApp } from '../../../renderer/src/app.js'
import type { FakeEngine } from './fake-engine.js'

/** Height the message log pretends to have, and the height of what it scrolls. */
const LOG_HEIGHT_PX = 600
const LOG_CONTENT_HEIGHT_PX = 10_000

/**
 * jsdom does no layout: every element is 0×0, and a virtualiser with a
 * zero-height viewport renders no rows. Give the scrolling log a height and
 * taller content, as in a long chat (rows stay 0 tall, so all of them fit and
 * render; older pages load only on scrolling, as in the app).
 */
function giveTheMessageLogAHeight (): void {
  const sizes = { offsetHeight: LOG_HEIGHT_PX, clientHeight: LOG_HEIGHT_PX, scrollHeight: LOG_CONTENT_HEIGHT_PX }
  for (const [property, size] of Object.entries(sizes)) {
    Object.defineProperty(HTMLElement.prototype, property, {
      configurable: true,
      get (this: HTMLElement) { return this.classList.contains('message-log') ? size : 0 }
    })
  }
}
giveTheMessageLogAHeight()

/** Renders the whole connected app on `engine` and opens the conversation with `name` from the chat list. */
export async function openConversation (engine: FakeEngine, name: string): Promise<{ user: UserEvent, log: HTMLElement }> {
  const user = userEvent.setup()
  render(<ConnectedApp client={engine.client} />)
  const list = await screen.findByRole('list', { name: 'Conversations' })
  await user.click(await within(list).findByRole('button', { name: new RegExp(`^${name}`) }))
  await screen.findByRole('heading', { name })
  return { user, log: screen.getByRole('log', { name: 'Messages' }) }
}

// @vitest-environment jsdom
import { cleanup, render, screen, waitFor, within } from '@testing-library/react'
import { userEvent } from '@testing-library/user-event'
import { afterEach, describe, expect, it, vi } from 'vitest'
import { App, ConnectedApp } from '../../../renderer/src/app.js'
import { EngineUnreachableError } from '../../../renderer/src/connection.js'
import { UnreachableScreen } from '../../../renderer/src/screens/unreachable-screen.js'
import { BOB, INVITE_CODE, fakeEngine, memoryPortPair } from './fake-engine.js'
import type { RpcPort } from '../../../core/api/ports.js'
import type { FakeEngine } from './fake-engine.js'

let engine: FakeEngine | undefined
afterEach(() => {
  cleanup()
  engine?.close()
  engine = undefined
})

function startOnboarding (): FakeEngine {
  engine = fakeEngine({ identity: null })
  render(<ConnectedApp client={engine.client} />)
  return engine
}

describe('onboarding', () => {
  it('creates the identity with the chosen name, then shows the invite code and its QR code', async () => {
    const user = userEvent.setup()
    const { callsOf } = startOnboarding()

    await user.type(await screen.findByRole('textbox', { name: 'Display name' }), 'Ada Lovelace')
    await user.click(screen.getByRole('button', { name: 'Create identity' }))

    expect(callsOf('createIdentity')).toEqual([{ displayName: 'Ada Lovelace' }])
    const code = await screen.findByLabelText('Your invite code')
    expect(code.textContent).toBe(INVITE_CODE)
    const qr = screen.getByRole('img', { name: 'QR code of your invite' })
    expect(qr.querySelector('path')?.getAttribute('d')).toMatch(/^M\d+ \d+h1v1h-1z/)
    // Big enough for a phone camera, a whole number of pixels per module (quiet zone included), and crisp.
    const side = Number(qr.getAttribute('viewBox')?.split(' ')[2])
    const pixels = Number(qr.getAttribute('width'))
    expect(pixels).toBeGreaterThanOrEqual(240)
    expect(pixels % side).toBe(0)
    expect(qr.getAttribute('shape-rendering')).toBe('crispEdges')
    expect(screen.getByRole('list', { name: 'Conversations' })).toBeDefined()
  })

  it('copies the invite code to the clipboard', async () => {
    const user = userEvent.setup()
    startOnboarding()
    const writeText = vi.spyOn(navigator.clipboard, 'writeText')

    await user.type(await screen.findByRole('textbox', { name: 'Display name' }), 'Ada')
    await user.click(screen.getByRole('button', { name: 'Create identity' }))
    await screen.findByLabelText('Your invite code')
    await user.click(screen.getByRole('button', { name: 'Copy invite' }))

    expect(writeText).toHaveBeenCalledWith(INVITE_CODE)
    expect(await screen.findByText('Copied to the clipboard.')).toBeDefined()
    expect(await navigator.clipboard.readText()).toBe(INVITE_CODE)
  })

  it('does not call the engine without a name, and says what is missing', async () => {
    const user = userEvent.setup()
    const { callsOf } = startOnboarding()

    await user.type(await screen.findByRole('textbox', { name: 'Display name' }), '   ')
    await user.click(screen.getByRole('button', { name: 'Create identity' }))

    expect(screen.getByRole('alert').textContent).toBe('Enter a display name.')
    expect(callsOf('createIdentity')).toEqual([])
  })

  it('shows an engine error next to the form and keeps the name', async () => {
    const user = userEvent.setup()
    const { failNext } = startOnboarding()
    failNext('createIdentity', 'internal', 'the disk is full')

    const input = await screen.findByRole('textbox', { name: 'Display name' })
    await user.type(input, 'Ada')
    await user.click(screen.getByRole('button', { name: 'Create identity' }))

    expect((await screen.findByRole('alert')).textContent).toBe('Something went wrong: the disk is full.')
    expect(input).toHaveProperty('value', 'Ada')
  })

  it('adds a contact from a pasted invite and opens the conversation', async () => {
    const user = userEvent.setup()
    const { callsOf } = startOnboarding()
    await user.type(await screen.findByRole('textbox', { name: 'Display name' }), 'Ada')
    await user.click(screen.getByRole('button', { name: 'Create identity' }))

    await user.click(await screen.findByRole('button', { name: 'Paste an invite' }))
    const dialog = screen.getByRole('dialog', { name: 'Add a contact' })
    await user.click(within(dialog).getByRole('textbox', { name: 'Invite code' }))
    await user.paste('  parley:theirs  ')
    await user.type(within(dialog).getByRole('textbox', { name: 'Contact name' }), 'Bob')
    await user.click(within(dialog).getByRole('button', { name: 'Add' }))

    expect(callsOf('addContact')).toEqual([{ invite: 'parley:theirs', name: 'Bob' }])
    expect(await screen.findByRole('heading', { name: 'Bob' })).toBeDefined()
    expect(screen.queryByRole('dialog')).toBeNull()
    const list = screen.getByRole('list', { name: 'Conversations' })
    expect(await within(list).findByRole('button', { name: /^Bob/ })).toBeDefined()
    expect(engineState().contacts.has(BOB)).toBe(true)
  })

  it('explains a bad invite code inside the dialog', async () => {
    const user = userEvent.setup()
    engine = fakeEngine()
    render(<ConnectedApp client={engine.client} />)

    await user.click(await screen.findByRole('button', { name: 'Add contact' }))
    const dialog = screen.getByRole('dialog', { name: 'Add a contact' })
    await user.type(within(dialog).getByRole('textbox', { name: 'Invite code' }), 'hello')
    await user.type(within(dialog).getByRole('textbox', { name: 'Contact name' }), 'Bob')
    await user.click(within(dialog).getByRole('button', { name: 'Add' }))

    expect((await within(dialog).findByRole('alert')).textContent).toBe('That invite code does not work: not a Parley invite code.')
  })
})

describe('connecting', () => {
  it('says the engine cannot be reached, and what to do, when no port arrives', async () => {
    const user = userEvent.setup()
    const connect = vi.fn(async () => { throw new EngineUnreachableError('timeout', 'no answer') })
    render(<App connect={connect} />)

    const screenText = await screen.findByTestId('unreachable-screen')
    expect(within(screenText).getByRole('heading', { name: 'Cannot reach the Parley engine' })).toBeDefined()
    // In a browser: how to start the engine with its browser UI.
    expect(screenText.textContent).toContain('parley daemon --data <folder> --ui')
    expect(screenText.textContent).toContain('npm run web -- --data <folder>')
    await user.click(screen.getByRole('button', { name: 'Try again' }))
    await waitFor(() => { expect(connect).toHaveBeenCalledTimes(2) })
  })

  it('tells desktop app users to restart the app, not to run commands', () => {
    render(<UnreachableScreen reason={null} onRetry={() => {}} host='desktop' />)
    const text = screen.getByTestId('unreachable-screen').textContent
    expect(text).toContain('Restart the app')
    expect(text).not.toContain('parley daemon')
  })

  it('starts the app over the port it is given', async () => {
    engine = fakeEngine({ identity: null })
    // A second connection to the same server: the app makes its own client on it.
    const [serverPort, clientPort] = memoryPortPair()
    engine.server.connect(serverPort)
    render(<App connect={async () => clientPort} />)

    expect(await screen.findByRole('button', { name: 'Create identity' })).toBeDefined()
    expect(screen.getByTestId('app')).toBeDefined()
  })
})

describe('reconnecting after the engine went away', () => {
  /** A connect() that hands out ports to `engine`, and keeps them so a test can cut them. */
  function connector (to: FakeEngine): { connect: () => Promise<RpcPort>, ports: RpcPort[] } {
    const ports: RpcPort[] = []
    const connect = vi.fn(async () => {
      const [serverPort, clientPort] = memoryPortPair()
      to.server.connect(serverPort)
      ports.push(clientPort)
      return clientPort
    })
    return { connect, ports }
  }

  afterEach(() => { window.history.replaceState(null, '', '/') })

  it('reconnects when the daemon\'s new link is opened in the same tab (only the #token changes)', async () => {
    engine = fakeEngine({ identity: null })
    const { connect, ports } = connector(engine)
    render(<App connect={connect} />)
    await screen.findByRole('button', { name: 'Create identity' })

    ports[0]?.close()
    expect(await screen.findByRole('heading', { name: 'Lost the connection to the Parley engine' })).toBeDefined()
    // Some other fragment is no new link.
    window.location.hash = '#somewhere'
    await new Promise(resolve => setTimeout(resolve, 20))
    expect(connect).toHaveBeenCalledTimes(1)

    window.location.hash = '#token=fresh'
    expect(await screen.findByRole('button', { name: 'Create identity' })).toBeDefined()
    expect(connect).toHaveBeenCalledTimes(2)
    expect(screen.queryByTestId('unreachable-screen')).toBeNull()
  })

  it('"Try again" really reconnects, without reloading the page', async () => {
    engine = fakeEngine({ identity: null })
    const { connect, ports } = connector(engine)
    const user = userEvent.setup()
    render(<App connect={connect} />)
    await screen.findByRole('button', { name: 'Create identity' })

    ports[0]?.close()
    await user.click(await screen.findByRole('button', { name: 'Try again' }))

    expect(await screen.findByRole('button', { name: 'Create identity' })).toBeDefined()
    expect(connect).toHaveBeenCalledTimes(2)
  })
})

function engineState (): FakeEngine['state'] {
  if (engine == null) throw new Error('no engine')
  return engine.state
}

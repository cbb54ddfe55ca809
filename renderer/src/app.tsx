import { useEffect, useState } from 'react'
import { parleyContract } from '../../core/api/contract.js'
import { RpcClient } from '../../core/api/rpc-client.js'
import { assertNever } from './assert-never.js'
import { ClientContext, useClient, useRpcEvent } from './client.js'
import { addressHasToken, connectToEngine } from './connection.js'
import { describeError } from './errors.js'
import { ConnectingScreen } from './screens/connecting-screen.js'
import { OnboardingScreen } from './screens/onboarding-screen.js'
import { UnreachableScreen } from './screens/unreachable-screen.js'
import { AppShell } from './shell/app-shell.js'
import { ModalLayerProvider } from './ui/modal-layer.js'
import type { RpcPort } from '../../core/api/ports.js'
import type { ParleyClient } from './client.js'
import type { ConnectOptions, UnreachableReason } from './connection.js'

type Connection =
  | { phase: 'connecting' }
  | { phase: 'unreachable', reason: UnreachableReason }
  | { phase: 'connected', client: ParleyClient }
  | { phase: 'lost' }

interface AppProps {
  /** How to reach the engine; tests pass their own. */
  connect?: (options: ConnectOptions) => Promise<RpcPort>
}

function unreachableReason (err: unknown): UnreachableReason {
  const reason = typeof err === 'object' && err != null ? (err as { reason?: unknown }).reason : undefined
  return reason === 'refused' || reason === 'no-token' ? reason : 'timeout'
}

/** Connects to the engine, then shows onboarding or the app; says so plainly when the engine is not there. */
export function App ({ connect = connectToEngine }: AppProps): React.JSX.Element {
  const [attempt, setAttempt] = useState(0)
  const [connection, setConnection] = useState<Connection>({ phase: 'connecting' })

  useEffect(() => {
    const controller = new AbortController()
    let client: ParleyClient | undefined
    setConnection({ phase: 'connecting' })
    connect({ signal: controller.signal }).then(port => {
      if (controller.signal.aborted) {
        port.close()
        return
      }
      client = new RpcClient(parleyContract, port)
      port.onClose(() => {
        if (!controller.signal.aborted) setConnection({ phase: 'lost' })
      })
      setConnection({ phase: 'connected', client })
    }, (err: unknown) => {
      if (!controller.signal.aborted) setConnection({ phase: 'unreachable', reason: unreachableReason(err) })
    })
    return () => {
      controller.abort()
      client?.close()
    }
  }, [connect, attempt])

  // A restarted daemon prints a new address that differs only after `#`: opening it in this tab
  // loads nothing, it only changes the hash. Reconnect with the new token (connect() takes it).
  useEffect(() => {
    const onHashChange = (): void => {
      if (addressHasToken(window)) setAttempt(n => n + 1)
    }
    window.addEventListener('hashchange', onHashChange)
    return () => { window.removeEventListener('hashchange', onHashChange) }
  }, [])

  // A real reconnect: connect() reads the token again, from the address bar or else from this tab's storage.
  const retry = (): void => { setAttempt(n => n + 1) }
  return (
    <div className='app' data-testid='app'>
      {connection.phase === 'connecting' && <ConnectingScreen />}
      {connection.phase === 'unreachable' && <UnreachableScreen reason={connection.reason} onRetry={retry} />}
      {connection.phase === 'lost' && <UnreachableScreen reason={null} onRetry={retry} />}
      {connection.phase === 'connected' && <ConnectedApp client={connection.client} />}
    </div>
  )
}

/** Everything that needs the engine, given a connected client (tests start here). */
export function ConnectedApp ({ client }: { client: ParleyClient }): React.JSX.Element {
  return (
    <ClientContext.Provider value={client}>
      <ModalLayerProvider>
        <AppStateGate />
      </ModalLayerProvider>
    </ClientContext.Provider>
  )
}

type AppState = 'loading' | 'onboarding' | 'ready'

/** Onboarding until an identity exists, then the app. */
function AppStateGate (): React.JSX.Element {
  const client = useClient()
  const [state, setState] = useState<AppState>('loading')
  const [justCreated, setJustCreated] = useState(false)
  const [error, setError] = useState<string | null>(null)

  useEffect(() => {
    let current = true
    client.call('appState').then(result => {
      if (current) setState(known => known === 'loading' ? result.state : known)
    }, (err: unknown) => {
      if (current) setError(describeError(err))
    })
    return () => { current = false }
  }, [client])
  useRpcEvent('appState', event => { setState(event.state) })

  if (error != null) {
    return (
      <main className='center-screen'>
        <div className='center-card' role='alert'><h1>Parley could not start</h1><p>{error}</p></div>
      </main>
    )
  }
  switch (state) {
    case 'loading':
      return <ConnectingScreen />
    case 'onboarding':
      return <OnboardingScreen onCreated={() => { setJustCreated(true); setState('ready') }} />
    case 'ready':
      return <AppShell welcome={justCreated} />
    default:
      return assertNever(state)
  }
}

import { pageHost } from '../connection.js'
import type { UnreachableReason } from '../connection.js'

interface UnreachableScreenProps {
  /** Null when a working connection was lost, rather than never made. */
  reason: UnreachableReason | null
  onRetry: () => void
  /** Which advice to give; found from the page itself unless a test says. */
  host?: 'desktop' | 'browser'
}

/** The engine is not there: say so, and say what to do about it. */
export function UnreachableScreen ({ reason, onRetry, host = pageHost(window) }: UnreachableScreenProps): React.JSX.Element {
  const title = reason == null ? 'Lost the connection to the Parley engine' : 'Cannot reach the Parley engine'
  return (
    <main className='center-screen' data-testid='unreachable-screen'>
      <div className='center-card' role='alert'>
        <h1>{title}</h1>
        {reason === 'refused' && <p>The engine did not accept this page’s connection: it is not running, or it was started with a new access token.</p>}
        {reason === 'no-token' && <p>This page has no access token for the engine.</p>}
        {reason === 'timeout' && <p>Nothing answered within a few seconds.</p>}
        {reason == null && <p>The engine stopped or restarted. Your messages are safe on disk.</p>}
        <h2>What to do</h2>
        {host === 'desktop'
          ? (
            <ul>
              <li>Restart the app: quit Parley completely (also from its tray icon, if it shows one) and start it again.</li>
            </ul>
            )
          : (
            <ul>
              <li>
                Make sure the engine runs with its browser UI: <code className='command'>parley daemon --data &lt;folder&gt; --ui</code>,
                or from a source checkout <code className='command'>npm run web -- --data &lt;folder&gt;</code>.
              </li>
              <li>
                Then choose Try again below. If the engine was started with <code className='command'>--new-token</code>,
                open the <code>ui http://127.0.0.1:…/#token=…</code> address it prints instead, in this tab: the link carries
                the access token this page needs, and Parley reconnects as soon as you open it.
              </li>
            </ul>
            )}
        <button type='button' className='primary' onClick={onRetry} autoFocus>Try again</button>
      </div>
    </main>
  )
}

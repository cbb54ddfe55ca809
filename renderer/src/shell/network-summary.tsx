import { useNetworkStatus } from '../hooks/use-network-status.js'

/** One line under your name: are you online, and how many peers. Details are in the Network panel. */
export function NetworkSummary (): React.JSX.Element {
  const { status, error } = useNetworkStatus()
  let state: 'online' | 'offline' | 'starting' = 'starting'
  let text = 'Starting…'
  if (error != null) {
    state = 'offline'
    text = 'Status unavailable'
  } else if (status != null) {
    const peers = status.connections.length
    state = peers > 0 ? 'online' : 'offline'
    text = peers > 0 ? `Online · ${peers} ${peers === 1 ? 'peer' : 'peers'}` : 'No peers connected'
  }
  return (
    <p className={`network-summary ${state}`} role='status'>
      <span className='status-dot' aria-hidden='true' /><span className='network-summary-text'>{text}</span>
    </p>
  )
}

import { useId } from 'react'
import { shortPeerId } from '../format.js'
import { useNetworkStatus } from '../hooks/use-network-status.js'
import { ErrorNote } from '../ui/error-note.js'
import { BackIcon } from '../ui/icons.js'
import type { NetworkStatus } from '../../../core/api/contract.js'

/** What each NAT status means for the user, in their words. */
export const REACHABILITY: Record<NetworkStatus['nat'], { label: string, detail: string }> = {
  public: { label: 'Directly reachable', detail: 'Others can connect to this device directly.' },
  relayed: { label: 'Reachable through a relay', detail: 'This device is behind a NAT or firewall; contacts reach it through a relay, and then try to connect directly.' },
  private: { label: 'Local network only', detail: 'Only devices on this network can reach you. Messages to you wait in your mailbox on the relays until you are reachable.' },
  unknown: { label: 'Starting', detail: 'The node is not listening yet.' }
}

/** The node as the network sees it: identity, addresses, peers, relays, DHT. Live via `network` events. */
export function NetworkPanel ({ onClose }: { onClose: () => void }): React.JSX.Element {
  const { status, error, refresh } = useNetworkStatus()
  const headingId = useId()
  return (
    <section className='panel' aria-labelledby={headingId} data-testid='network-panel'>
      <header className='pane-header'>
        <button type='button' className='icon-button' aria-label='Close' title='Close' onClick={onClose}><BackIcon /></button>
        <div className='pane-title'><h2 id={headingId}>Network</h2></div>
        <button type='button' className='secondary' onClick={refresh}>Refresh</button>
      </header>
      <div className='panel-body'>
        <ErrorNote message={error} />
        {status == null ? error == null && <p role='status'>Loading…</p> : <NetworkDetails status={status} />}
      </div>
    </section>
  )
}

function NetworkDetails ({ status }: { status: NetworkStatus }): React.JSX.Element {
  const reachability = REACHABILITY[status.nat]
  return (
    <>
      <section className='card'>
        <h3>Reachability</h3>
        <p className={`nat nat-${status.nat}`} data-testid='nat-status'>{reachability.label}</p>
        <p className='muted'>{reachability.detail}</p>
        <dl className='facts'>
          <dt>Connected peers</dt><dd data-testid='connection-count'>{status.connections.length}</dd>
          <dt>Relay reservations</dt><dd>{status.relayReservations.length}</dd>
          <dt>DHT routing table</dt><dd data-testid='dht-size'>{status.dhtRoutingTableSize} peers</dd>
        </dl>
      </section>
      <section className='card'>
        <h3>Your PeerId</h3>
        <p className='mono selectable' data-testid='own-peer-id'>{status.peerId}</p>
        <h3>Listening on</h3>
        <AddressList addresses={status.listenAddresses} empty='Not listening on any address.' />
      </section>
      <section className='card'>
        <h3>Connected peers</h3>
        {status.connections.length === 0
          ? <p className='muted'>No connections right now.</p>
          : (
            <table className='peer-table'>
              <thead><tr><th scope='col'>Peer</th><th scope='col'>Address</th><th scope='col'>Direction</th></tr></thead>
              <tbody>
                {status.connections.map(connection => (
                  <tr key={`${connection.peerId} ${connection.address}`}>
                    <td className='mono' title={connection.peerId}>{shortPeerId(connection.peerId)}</td>
                    <td className='mono wrap'>{connection.address}</td>
                    <td>{connection.direction}{connection.limited && ' (relayed, limited)'}</td>
                  </tr>
                ))}
              </tbody>
            </table>
            )}
      </section>
      <section className='card'>
        <h3>Relay reservations</h3>
        <AddressList addresses={status.relayReservations} empty='No relay holds a reservation for you.' />
      </section>
    </>
  )
}

function AddressList ({ addresses, empty }: { addresses: string[], empty: string }): React.JSX.Element {
  if (addresses.length === 0) return <p className='muted'>{empty}</p>
  return (
    <ul className='address-list'>
      {addresses.map(address => <li key={address} className='mono wrap'>{address}</li>)}
    </ul>
  )
}

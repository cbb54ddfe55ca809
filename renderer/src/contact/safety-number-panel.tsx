import { useEffect, useId, useMemo, useState } from 'react'
import { useClient, useRpcEvent } from '../client.js'
import { describeError } from '../errors.js'
import { useAction } from '../hooks/use-action.js'
import { isolate } from '../bidi.js'
import { base64ToBytes } from '../qr.js'
import { groupSafetyNumber } from '../safety-number.js'
import { ErrorNote } from '../ui/error-note.js'
import { ShieldIcon } from '../ui/icons.js'
import { QrCode } from '../ui/qr-code.js'
import { UserText } from '../ui/user-text.js'
import type { Contact } from '../../../core/api/contract.js'
import type { PeerSummary } from '../peer.js'

interface SafetyNumber {
  digits: string
  scannable: string
}

interface SafetyNumbers extends SafetyNumber {
  /** While an identity change is pending and its key is known: the number with the new key, and that key. */
  pending?: SafetyNumber & { identityKey: string }
}

interface SafetyNumberPanelProps {
  peer: PeerSummary
  onContactChanged: (contact: Contact) => void
}

/**
 * The safety number to compare (12 groups of 5 digits and a QR code), and
 * the verified mark. While the contact's identity key has changed, the new
 * number comes first, and accepting trusts exactly the key of the number on
 * screen. Reloads when the contact's identity or pending key changes.
 */
export function SafetyNumberPanel ({ peer, onContactChanged }: SafetyNumberPanelProps): React.JSX.Element {
  const client = useClient()
  const [safety, setSafety] = useState<SafetyNumbers | null>(null)
  const [loadError, setLoadError] = useState<string | null>(null)
  /** The pending key the engine last announced; a new one means a new number to show. */
  const [announcedKey, setAnnouncedKey] = useState<string | undefined>(undefined)
  const [reloads, setReloads] = useState(0)
  const [changedAgain, setChangedAgain] = useState(false)
  const { peerId, identityChanged } = peer
  const headingId = useId()

  useRpcEvent('contact', contact => { if (contact.peerId === peerId) setAnnouncedKey(contact.pendingIdentityKey) })

  useEffect(() => {
    let current = true
    setSafety(null)
    setLoadError(null)
    client.call('safetyNumber', { peerId }).then(result => {
      if (current) setSafety(result)
    }, (err: unknown) => {
      if (current) setLoadError(describeError(err))
    })
    return () => { current = false }
  }, [client, peerId, identityChanged, announcedKey, reloads])

  const setVerified = useAction(async (verified: boolean) => {
    onContactChanged(await client.call('markVerified', { peerId, verified }))
  })
  const accept = useAction(async (identityKey: string) => {
    setChangedAgain(false)
    try {
      onContactChanged(await client.call('acceptIdentityChange', { peerId, identityKey }))
    } catch (err) {
      // The key changed again while this number was on screen: show the new one instead.
      if ((err as { code?: unknown }).code !== 'identity_changed') throw err
      setChangedAgain(true)
      setReloads(n => n + 1)
    }
  })

  const pending = safety?.pending
  return (
    <section className='card' aria-labelledby={headingId} data-testid='safety-number'>
      <h3 id={headingId}>{identityChanged ? 'New safety number' : 'Safety number'}</h3>
      <p className='muted'>
        Compare these numbers with <UserText text={peer.name} /> in person or on a call you trust, or scan each other’s code.
        If they match, nobody is reading along.
      </p>
      <ErrorNote message={loadError} />
      {changedAgain && <p role='alert'><UserText text={peer.name} />’s safety number changed again. Compare the new one below.</p>}
      {safety == null && loadError == null && <p role='status'>Loading safety number…</p>}
      {safety != null && identityChanged && (pending == null
        ? <p role='status'>Waiting for <UserText text={peer.name} />’s new key. It is fetched from <UserText text={peer.name} />’s device while they are online; the new number then appears here.</p>
        : (
          <>
            <SafetyNumberDisplay safety={pending} testId='pending-safety-digits' label={`Scannable new safety number with ${isolate(peer.name)}`} />
            <button type='button' className='primary' disabled={accept.pending} onClick={() => { void accept.run(pending.identityKey) }}>
              Accept new safety number
            </button>
            <ErrorNote message={accept.error} />
          </>
          ))}
      {safety != null && (identityChanged
        ? (
          <details>
            <summary>Previous safety number</summary>
            <SafetyNumberDisplay safety={safety} testId='safety-digits' label={`Scannable previous safety number with ${isolate(peer.name)}`} />
          </details>
          )
        : <SafetyNumberDisplay safety={safety} testId='safety-digits' label={`Scannable safety number with ${isolate(peer.name)}`} />)}
      {!identityChanged && (
        <div className='verification'>
          {peer.verified
            ? <p className='verified'><ShieldIcon />You have verified <UserText text={peer.name} />.</p>
            : <p className='muted'>Not verified yet.</p>}
          <button type='button' className={peer.verified ? 'secondary' : 'primary'} disabled={setVerified.pending} onClick={() => { void setVerified.run(!peer.verified) }}>
            {peer.verified ? 'Mark as not verified' : 'Mark verified'}
          </button>
          <ErrorNote message={setVerified.error} />
        </div>
      )}
    </section>
  )
}

function SafetyNumberDisplay ({ safety, label, testId }: { safety: SafetyNumber, label: string, testId: string }): React.JSX.Element {
  const groups = useMemo(() => groupSafetyNumber(safety.digits), [safety.digits])
  const bytes = useMemo(() => {
    try {
      return base64ToBytes(safety.scannable)
    } catch {
      return null
    }
  }, [safety.scannable])
  return (
    <div className='safety-number'>
      <p className='safety-digits' data-testid={testId}>
        {groups.map((group, index) => <span key={index} className='safety-group'>{group}</span>)}
      </p>
      {bytes != null && <QrCode content={bytes} label={label} />}
    </div>
  )
}

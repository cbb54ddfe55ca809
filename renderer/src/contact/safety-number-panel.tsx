import { useEffect, useId, useMemo, useState } from 'react'
import { useClient } from '../client.js'
import { describeError } from '../errors.js'
import { useAction } from '../hooks/use-action.js'
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

interface SafetyNumberPanelProps {
  peer: PeerSummary
  onContactChanged: (contact: Contact) => void
}

/**
 * The safety number to compare (12 groups of 5 digits and a QR code), and
 * the verified mark. Reloads when the contact's identity changes.
 */
export function SafetyNumberPanel ({ peer, onContactChanged }: SafetyNumberPanelProps): React.JSX.Element {
  const client = useClient()
  const [safety, setSafety] = useState<SafetyNumber | null>(null)
  const [loadError, setLoadError] = useState<string | null>(null)
  const { peerId, identityChanged } = peer
  const headingId = useId()

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
  }, [client, peerId, identityChanged])

  const setVerified = useAction(async (verified: boolean) => {
    onContactChanged(await client.call('markVerified', { peerId, verified }))
  })

  return (
    <section className='card' aria-labelledby={headingId} data-testid='safety-number'>
      <h3 id={headingId}>Safety number</h3>
      <p className='muted'>
        Compare these numbers with <UserText text={peer.name} /> in person or on a call you trust, or scan each other’s code.
        If they match, nobody is reading along.
      </p>
      <ErrorNote message={loadError} />
      {safety == null
        ? loadError == null && <p role='status'>Loading safety number…</p>
        : <SafetyNumberDisplay safety={safety} name={peer.name} />}
      <div className='verification'>
        {peer.verified
          ? <p className='verified'><ShieldIcon />You have verified <UserText text={peer.name} />.</p>
          : <p className='muted'>Not verified yet.</p>}
        <button type='button' className={peer.verified ? 'secondary' : 'primary'} disabled={setVerified.pending} onClick={() => { void setVerified.run(!peer.verified) }}>
          {peer.verified ? 'Mark as not verified' : 'Mark verified'}
        </button>
        <ErrorNote message={setVerified.error} />
      </div>
    </section>
  )
}

function SafetyNumberDisplay ({ safety, name }: { safety: SafetyNumber, name: string }): React.JSX.Element {
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
      <p className='safety-digits' data-testid='safety-digits'>
        {groups.map((group, index) => <span key={index} className='safety-group'>{group}</span>)}
      </p>
      {bytes != null && <QrCode content={bytes} label={`Scannable safety number with ${name}`} />}
    </div>
  )
}

import { useState } from 'react'
import { useClient } from '../client.js'
import { useAction } from '../hooks/use-action.js'
import { Dialog } from '../ui/dialog.js'
import { ErrorNote } from '../ui/error-note.js'
import { UserText } from '../ui/user-text.js'
import type { PeerSummary } from '../peer.js'

/** Removing deletes history and the session for good, so it asks first. */
export function RemoveContact ({ peer, onRemoved }: { peer: PeerSummary, onRemoved: () => void }): React.JSX.Element {
  const client = useClient()
  const [confirming, setConfirming] = useState(false)
  const remove = useAction(async () => client.call('removeContact', { peerId: peer.peerId }))

  const confirm = async (): Promise<void> => {
    const outcome = await remove.run()
    if (outcome.ok) onRemoved()
  }
  return (
    <>
      <p className='muted'>Removing deletes the conversation and its history from this device.</p>
      <button type='button' className='quiet-danger' onClick={() => { remove.clearError(); setConfirming(true) }}>Remove contact</button>
      {confirming && (
        <Dialog title={<>Remove <UserText text={peer.name} />?</>} role='alertdialog' onClose={() => { setConfirming(false) }} testId='remove-contact-dialog'>
          <p>
            This deletes your whole conversation with <UserText text={peer.name} /> from this device, with any messages not yet
            delivered and the encrypted session. It cannot be undone. To talk again, you will need a new invite.
          </p>
          <ErrorNote message={remove.error} />
          <div className='dialog-actions'>
            <button type='button' className='secondary' onClick={() => { setConfirming(false) }} autoFocus>Cancel</button>
            <button type='button' className='danger' disabled={remove.pending} onClick={() => { void confirm() }}>Remove</button>
          </div>
        </Dialog>
      )}
    </>
  )
}

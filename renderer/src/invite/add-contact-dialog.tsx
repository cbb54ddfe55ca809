import { useId, useState } from 'react'
import { useClient } from '../client.js'
import { useAction } from '../hooks/use-action.js'
import { Dialog } from '../ui/dialog.js'
import { MAX_NAME_CHARS } from '../../../core/api/text-rules.js'
import { ErrorNote } from '../ui/error-note.js'
import type { Contact } from '../../../core/api/contract.js'

interface AddContactDialogProps {
  onClose: () => void
  onAdded: (contact: Contact) => void
}

/** Paste someone's invite code and name them. */
export function AddContactDialog ({ onClose, onAdded }: AddContactDialogProps): React.JSX.Element {
  const client = useClient()
  const [invite, setInvite] = useState('')
  const [name, setName] = useState('')
  const inviteId = useId()
  const nameId = useId()
  const hintId = useId()
  const [missing, setMissing] = useState<string | null>(null)
  const add = useAction(async () => client.call('addContact', { invite: invite.trim(), name }))

  const submit = async (event: React.FormEvent): Promise<void> => {
    event.preventDefault()
    const problem = invite.trim() === '' ? 'Paste an invite code first.' : name.trim() === '' ? 'Give this contact a name.' : null
    setMissing(problem)
    if (problem != null) return
    const outcome = await add.run()
    if (outcome.ok) onAdded(outcome.value)
  }
  return (
    <Dialog title='Add a contact' onClose={onClose} testId='add-contact-dialog'>
      <form className='stacked-form' onSubmit={event => { void submit(event) }}>
        <label htmlFor={inviteId}>Invite code</label>
        <textarea
          id={inviteId}
          className='mono'
          rows={4}
          maxLength={400}
          placeholder='parley:…'
          aria-describedby={hintId}
          value={invite}
          onChange={event => { setInvite(event.target.value) }}
          autoFocus
          spellCheck={false}
        />
        <p id={hintId} className='hint'>The code starts with “parley:”. They can copy it from their Parley window.</p>
        <label htmlFor={nameId}>Contact name</label>
        <input id={nameId} dir='auto' value={name} maxLength={MAX_NAME_CHARS} onChange={event => { setName(event.target.value) }} autoComplete='off' />
        <ErrorNote message={missing ?? add.error} />
        <div className='dialog-actions'>
          <button type='button' className='secondary' onClick={onClose}>Cancel</button>
          <button type='submit' className='primary' disabled={add.pending}>Add</button>
        </div>
      </form>
    </Dialog>
  )
}

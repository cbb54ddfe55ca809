import { useId, useState } from 'react'
import { useClient } from '../client.js'
import { useAction } from '../hooks/use-action.js'
import { MAX_NAME_CHARS } from '../../../core/api/text-rules.js'
import { ErrorNote } from '../ui/error-note.js'
import type { Contact } from '../../../core/api/contract.js'
import type { PeerSummary } from '../peer.js'

/** A "Rename" button that turns into a small form. Names are yours only: the contact never sees them. */
export function RenameContact ({ peer, onContactChanged }: { peer: PeerSummary, onContactChanged: (contact: Contact) => void }): React.JSX.Element {
  const client = useClient()
  const [editing, setEditing] = useState(false)
  const [name, setName] = useState(peer.name)
  const inputId = useId()
  const rename = useAction(async (newName: string) => client.call('renameContact', { peerId: peer.peerId, name: newName }))

  if (!editing) {
    return (
      <button type='button' className='secondary' onClick={() => { setName(peer.name); rename.clearError(); setEditing(true) }}>
        Rename
      </button>
    )
  }
  const submit = async (event: React.FormEvent): Promise<void> => {
    event.preventDefault()
    const outcome = await rename.run(name)
    if (!outcome.ok) return
    onContactChanged(outcome.value)
    setEditing(false)
  }
  return (
    <form className='inline-form' onSubmit={event => { void submit(event) }} onKeyDown={event => { if (event.key === 'Escape') setEditing(false) }}>
      <label htmlFor={inputId}>New name</label>
      <input id={inputId} dir='auto' value={name} maxLength={MAX_NAME_CHARS} onChange={event => { setName(event.target.value) }} autoFocus />
      <button type='submit' className='primary' disabled={rename.pending}>Save name</button>
      <button type='button' className='secondary' onClick={() => { setEditing(false) }}>Cancel</button>
      <ErrorNote message={rename.error} />
    </form>
  )
}

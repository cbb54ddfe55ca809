import { useId, useState } from 'react'
import { MAX_NAME_CHARS } from '../../../core/api/text-rules.js'
import { useClient } from '../client.js'
import { useAction } from '../hooks/use-action.js'
import { ErrorNote } from '../ui/error-note.js'

/** First start: pick a display name; the engine makes the keys. */
export function OnboardingScreen ({ onCreated }: { onCreated: () => void }): React.JSX.Element {
  const client = useClient()
  const [name, setName] = useState('')
  const [missing, setMissing] = useState(false)
  const inputId = useId()
  const hintId = useId()
  const create = useAction(async (displayName: string) => client.call('createIdentity', { displayName }))

  const submit = async (event: React.FormEvent): Promise<void> => {
    event.preventDefault()
    const displayName = name.trim()
    setMissing(displayName === '')
    if (displayName === '') return
    if ((await create.run(displayName)).ok) onCreated()
  }
  return (
    <main className='center-screen onboarding' data-testid='onboarding'>
      <div className='center-card'>
        <p className='brand'>Parley</p>
        <h1>Welcome to Parley</h1>
        <p className='lead'>
          Private conversations, straight from this device to theirs. No phone number, no account,
          and no server that can read along.
        </p>
        <form className='stacked-form' onSubmit={event => { void submit(event) }}>
          <label htmlFor={inputId}>Display name</label>
          <input
            id={inputId}
            dir='auto'
            value={name}
            maxLength={MAX_NAME_CHARS}
            autoComplete='nickname'
            aria-describedby={hintId}
            aria-invalid={missing || undefined}
            onChange={event => { setName(event.target.value) }}
            autoFocus
          />
          <p id={hintId} className='hint'>People you invite see this name. You can change it later.</p>
          <ErrorNote message={missing ? 'Enter a display name.' : create.error} />
          <button type='submit' className='primary large' disabled={create.pending}>Create identity</button>
          <p role='status' className='muted'>{create.pending && 'Creating your keys…'}</p>
        </form>
      </div>
    </main>
  )
}

import { WarningIcon } from '../ui/icons.js'
import { UserText } from '../ui/user-text.js'

/** The loud warning shown while a contact's new identity key is not accepted. */
export function IdentityChangedNotice ({ name: rawName, children }: { name: string, children: React.ReactNode }): React.JSX.Element {
  const name = <UserText text={rawName} />
  return (
    <div className='identity-changed' role='alert'>
      <WarningIcon />
      <div>
        <p className='identity-changed-title'>Your safety number with {name} has changed</p>
        <p>
          This happens when {name} reinstalls Parley or moves to a new device — or when someone is trying to
          intercept your messages. Nothing is sent to {name} until you compare the new safety number and accept it.
        </p>
        {children}
      </div>
    </div>
  )
}

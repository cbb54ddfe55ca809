import { useId } from 'react'
import { IdentityChangedNotice } from '../conversation/identity-changed-notice.js'
import { Avatar } from '../ui/avatar.js'
import { BackIcon } from '../ui/icons.js'
import { UserText } from '../ui/user-text.js'
import { RemoveContact } from './remove-contact.js'
import { RenameContact } from './rename-contact.js'
import { SafetyNumberPanel } from './safety-number-panel.js'
import type { Contact } from '../../../core/api/contract.js'
import type { PeerSummary } from '../peer.js'

interface ContactViewProps {
  peer: PeerSummary
  onBack: () => void
  onContactChanged: (contact: Contact) => void
  onRemoved: () => void
}

/** Everything about one contact: safety number and verification, identity changes, rename, remove. */
export function ContactView ({ peer, onBack, onContactChanged, onRemoved }: ContactViewProps): React.JSX.Element {
  const headingId = useId()

  return (
    <section className='panel contact-view' aria-labelledby={headingId} data-testid='contact-view'>
      <header className='pane-header'>
        <button type='button' className='icon-button' aria-label='Back to chat' title='Back to chat' onClick={onBack}><BackIcon /></button>
        <Avatar name={peer.name} seed={peer.peerId} />
        <div className='pane-title'>
          <h2 id={headingId}><UserText text={peer.name} /></h2>
          <p className='pane-subtitle'>{peer.state === 'request' ? 'Message request' : 'Contact'}</p>
        </div>
      </header>
      <div className='panel-body'>
        {peer.identityChanged && (
          <IdentityChangedNotice name={peer.name}>
            <p>Compare the new safety number below with <UserText text={peer.name} /> first. Accept it only if it matches.</p>
          </IdentityChangedNotice>
        )}
        <SafetyNumberPanel peer={peer} onContactChanged={onContactChanged} />
        <section className='card' aria-label='About this contact'>
          <h3>PeerId</h3>
          <p className='mono selectable'>{peer.peerId}</p>
          <div className='actions'>
            <RenameContact peer={peer} onContactChanged={onContactChanged} />
          </div>
        </section>
        {/* Apart from everyday actions, and quieter: it deletes the whole history. */}
        <section className='card' aria-label='Remove this contact'>
          <RemoveContact peer={peer} onRemoved={onRemoved} />
        </section>
      </div>
    </section>
  )
}

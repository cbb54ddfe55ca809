import { useCallback, useId, useState } from 'react'
import { useClient, useRpcEvent } from '../client.js'
import { describeError } from '../errors.js'
import { useMarkRead } from '../hooks/use-mark-read.js'
import { useMessages } from '../hooks/use-messages.js'
import { Avatar } from '../ui/avatar.js'
import { displayText } from '../bidi.js'
import { ErrorNote } from '../ui/error-note.js'
import { ShieldIcon } from '../ui/icons.js'
import { UserText } from '../ui/user-text.js'
import { Composer } from './composer.js'
import { IdentityChangedNotice } from './identity-changed-notice.js'
import { MessageLog } from './message-log.js'
import type { Message } from '../../../core/api/contract.js'
import type { PeerSummary } from '../peer.js'
import type { RetryState } from './message-item.js'

interface ConversationViewProps {
  peer: PeerSummary
  /** Unread count from the chat list (may include messages older than the loaded page). */
  unreadCount: number
  draft: string
  onDraftChange: (draft: string) => void
  onOpenContact: () => void
  /** The engine marked the conversation read. */
  onRead: () => void
}

/** One conversation: header, history, composer. Mounted per contact (keyed), so state never leaks between chats. */
export function ConversationView ({ peer, unreadCount, draft, onDraftChange, onOpenContact, onRead }: ConversationViewProps): React.JSX.Element {
  const client = useClient()
  const history = useMessages(peer.peerId)
  const headingId = useId()
  const [retries, setRetries] = useState<ReadonlyMap<string, RetryState>>(new Map())
  const [announcement, setAnnouncement] = useState('')

  const hasUnread = unreadCount > 0 || history.messages.some(m => m.unread && !m.outgoing)
  const { markAllRead } = history
  useMarkRead(peer.peerId, history.loaded && hasUnread, useCallback(() => {
    markAllRead()
    onRead()
  }, [markAllRead, onRead]))

  useRpcEvent('message', message => {
    if (message.peerId === peer.peerId && !message.outgoing) setAnnouncement(`${displayText(peer.name)}: ${displayText(message.text)}`)
  })

  const send = async (text: string): Promise<void> => {
    history.add(await client.call('send', { peerId: peer.peerId, text }))
  }

  const setRetry = (id: string, state: RetryState): void => {
    setRetries(current => new Map(current).set(id, state))
  }
  const retry = (message: Message): void => {
    setRetry(message.id, { state: 'pending' })
    client.call('send', { peerId: peer.peerId, text: message.text }).then(resent => {
      history.add(resent)
      setRetry(message.id, { state: 'done' })
    }, (err: unknown) => { setRetry(message.id, { state: 'failed', error: describeError(err) }) })
  }

  return (
    <section className='conversation' aria-labelledby={headingId} data-testid='conversation'>
      <header className='pane-header'>
        <Avatar name={peer.name} seed={peer.peerId} />
        <div className='pane-title'>
          <h2 id={headingId}><UserText text={peer.name} /></h2>
          <p className='pane-subtitle'>
            {peer.verified ? <span className='verified'><ShieldIcon />Verified</span> : 'Not verified'}
            {peer.state === 'request' && ' · Message request'}
          </p>
        </div>
        <button type='button' className='secondary' onClick={onOpenContact}>Contact info</button>
      </header>
      {peer.identityChanged && (
        <IdentityChangedNotice name={peer.name}>
          <button type='button' className='primary' onClick={onOpenContact}>Review safety number</button>
        </IdentityChangedNotice>
      )}
      {peer.state === 'request' && (
        <p className='notice'><UserText text={peer.name} /> is not in your contacts: they wrote to you first. Compare safety numbers before you trust them.</p>
      )}
      <ErrorNote message={history.error} />
      <div className='conversation-body'>
        {history.loaded && history.messages.length === 0 && (
          <p className='empty-log'>No messages yet. Say hello to <UserText text={peer.name} /> — only the two of you can read what you write here.</p>
        )}
        <MessageLog
          messages={history.messages}
          hasOlder={history.hasOlder}
          loadingOlder={history.loadingOlder}
          loadOlder={history.loadOlder}
          retries={retries}
          onRetry={retry}
        />
      </div>
      <p className='visually-hidden' role='status'>{announcement}</p>
      <Composer contactName={peer.name} draft={draft} onDraftChange={onDraftChange} onSend={send} />
    </section>
  )
}

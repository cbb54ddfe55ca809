import { formatListStamp } from '../format.js'
import { Avatar } from '../ui/avatar.js'
import { UserText } from '../ui/user-text.js'
import type { ConversationSummary } from '../../../core/api/contract.js'

interface ConversationListProps {
  conversations: ConversationSummary[]
  selectedPeerId: string | undefined
  onOpen: (peerId: string) => void
}

/** The chats, newest activity first. Each entry's accessible name starts with the contact's name. */
export function ConversationList ({ conversations, selectedPeerId, onOpen }: ConversationListProps): React.JSX.Element {
  return (
    <ul role='list' aria-label='Conversations' className='conversation-list'>
      {conversations.map(conversation => (
        <li key={conversation.peerId}>
          <ConversationListItem conversation={conversation} selected={conversation.peerId === selectedPeerId} onOpen={onOpen} />
        </li>
      ))}
    </ul>
  )
}

/** One line of preview: what was said last (isolated: it is theirs or yours), or why the chat needs attention. */
function preview (conversation: ConversationSummary): React.ReactNode {
  if (conversation.identityChanged) return 'Safety number changed'
  const last = conversation.lastMessage
  if (last == null) return conversation.state === 'request' ? 'Message request' : 'No messages yet'
  const text = <UserText text={last.text.replace(/\s+/g, ' ').trim()} />
  return last.outgoing ? <>You: {text}</> : text
}

function ConversationListItem ({ conversation, selected, onOpen }: { conversation: ConversationSummary, selected: boolean, onOpen: (peerId: string) => void }): React.JSX.Element {
  const { peerId, name, unread, lastActivity } = conversation
  return (
    <button
      type='button'
      className={`conversation-item${unread > 0 ? ' has-unread' : ''}${conversation.identityChanged ? ' has-warning' : ''}`}
      aria-current={selected ? 'true' : undefined}
      onClick={() => { onOpen(peerId) }}
    >
      <Avatar name={name} seed={peerId} />
      <span className='conversation-item-body'>
        <span className='conversation-item-line'>
          <UserText className='conversation-name' text={name} />
          <time className='conversation-time' dateTime={new Date(lastActivity).toISOString()}>{formatListStamp(lastActivity)}</time>
        </span>
        <span className='conversation-item-line'>
          <span className='conversation-preview'>{preview(conversation)}</span>
          {unread > 0 && (
            <>
              <span className='unread-badge' data-testid='unread-badge'>{unread}</span>
              <span className='visually-hidden'> unread</span>
            </>
          )}
        </span>
      </span>
    </button>
  )
}

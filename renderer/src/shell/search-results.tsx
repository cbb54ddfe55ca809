import { useId } from 'react'
import { formatListStamp } from '../format.js'
import { displayText } from '../bidi.js'
import { highlight } from '../highlight.js'
import { useMessageSearch } from '../hooks/use-message-search.js'
import { ErrorNote } from '../ui/error-note.js'
import { UserText } from '../ui/user-text.js'
import { ConversationList } from './conversation-list.js'
import type { ConversationSummary } from '../../../core/api/contract.js'
import type { SearchHit } from '../hooks/use-message-search.js'

interface SearchResultsProps {
  query: string
  /** Chats whose contact name matches; null while the chat list loads. */
  chats: ConversationSummary[] | null
  selectedPeerId: string | undefined
  /** Display names by PeerId, to say whose conversation a hit is from. */
  nameOf: (peerId: string) => string
  onOpen: (peerId: string) => void
}

/**
 * What the search box finds: chats by contact name, then messages (newest
 * first). A section shows only when it has something in it; when nothing at
 * all matches, one line says so. Choosing a result opens its conversation.
 */
export function SearchResults ({ query, chats, selectedPeerId, nameOf, onOpen }: SearchResultsProps): React.JSX.Element {
  const { results, searching, error } = useMessageSearch(query)
  const chatsHeadingId = useId()
  const messagesHeadingId = useId()
  // After a failed search the last results would answer an older query: show only the error.
  const hits = error == null ? results : null
  const nothingFound = !searching && error == null && chats?.length === 0 && hits?.length === 0
  return (
    <div className='search-results' data-testid='search-results'>
      {chats != null && chats.length > 0 && (
        <section aria-labelledby={chatsHeadingId}>
          <h2 id={chatsHeadingId} className='sidebar-section-title'>Chats</h2>
          <ConversationList conversations={chats} selectedPeerId={selectedPeerId} onOpen={onOpen} />
        </section>
      )}
      {hits != null && hits.length > 0 && (
        <section aria-labelledby={messagesHeadingId}>
          <h2 id={messagesHeadingId} className='sidebar-section-title'>Messages</h2>
          <ul role='list' aria-label='Search results' className='conversation-list'>
            {hits.map(hit => (
              <li key={hit.message.id}>
                <SearchHitButton hit={hit} query={query} name={nameOf(hit.message.peerId)} onOpen={onOpen} />
              </li>
            ))}
          </ul>
        </section>
      )}
      <ErrorNote message={error} />
      <p role='status' className='muted sidebar-note'>
        {searching ? 'Searching…' : nothingFound ? `No results for “${query.trim()}”.` : ''}
      </p>
    </div>
  )
}

function SearchHitButton ({ hit, query, name, onOpen }: { hit: SearchHit, query: string, name: string, onOpen: (peerId: string) => void }): React.JSX.Element {
  const { message } = hit
  const text = displayText(hit.snippet !== '' ? hit.snippet : message.text)
  return (
    <button type='button' className='conversation-item search-hit' onClick={() => { onOpen(message.peerId) }}>
      <span className='conversation-item-body'>
        <span className='conversation-item-line'>
          <span className='conversation-name'>{message.outgoing ? <>You to <UserText text={name} /></> : <UserText text={name} />}</span>
          <time className='conversation-time' dateTime={new Date(message.sentAt).toISOString()}>{formatListStamp(message.sentAt)}</time>
        </span>
        <span className='conversation-preview' dir='auto'>
          {highlight(text, query).map((part, index) => part.match ? <mark key={index}>{part.text}</mark> : <span key={index}>{part.text}</span>)}
        </span>
      </span>
    </button>
  )
}

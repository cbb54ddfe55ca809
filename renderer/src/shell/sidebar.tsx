import { useEffect, useRef, useState } from 'react'
import { MAX_SEARCH_CHARS } from '../../../core/api/contract.js'
import { Avatar } from '../ui/avatar.js'
import { ErrorNote } from '../ui/error-note.js'
import { UserText } from '../ui/user-text.js'
import { AddContactIcon, InviteIcon, NetworkIcon, SettingsIcon } from '../ui/icons.js'
import { ConversationList } from './conversation-list.js'
import { NetworkSummary } from './network-summary.js'
import { SearchResults } from './search-results.js'
import type { Conversations } from '../hooks/use-conversations.js'

export type SidebarPanel = 'invite' | 'network' | 'settings' | null

interface SidebarProps {
  me: { peerId: string, displayName: string } | null
  conversations: Conversations
  selectedPeerId: string | undefined
  openPanel: SidebarPanel
  nameOf: (peerId: string) => string
  onOpenConversation: (peerId: string) => void
  onAddContact: () => void
  onShowInvite: () => void
  onOpenNetwork: () => void
  onOpenSettings: () => void
}

/** Who you are, the tools, search, and your chats. */
export function Sidebar (props: SidebarProps): React.JSX.Element {
  const { me, conversations, selectedPeerId, openPanel } = props
  const [query, setQuery] = useState('')
  const searchBox = useRef<HTMLInputElement>(null)

  // Ctrl+F / ⌘F jumps to search, as in other messengers.
  useEffect(() => {
    const onKeyDown = (event: KeyboardEvent): void => {
      if ((event.ctrlKey || event.metaKey) && !event.altKey && event.key.toLowerCase() === 'f') {
        event.preventDefault()
        searchBox.current?.focus()
        searchBox.current?.select()
      }
    }
    window.addEventListener('keydown', onKeyDown)
    return () => { window.removeEventListener('keydown', onKeyDown) }
  }, [])

  const searching = query.trim() !== ''
  const needle = query.trim().toLowerCase()
  const matchingChats = conversations.conversations?.filter(c => c.name.toLowerCase().includes(needle)) ?? null

  return (
    <nav className='sidebar' aria-label='Chats' data-testid='chat-list'>
      <header className='sidebar-header'>
        {me != null && <Avatar name={me.displayName} seed={me.peerId} size='small' />}
        <div className='me'>
          <p className='me-name'>{me == null ? 'Parley' : <UserText text={me.displayName} />}</p>
        </div>
        <div className='toolbar'>
          <ToolButton label='Add contact' onClick={props.onAddContact}><AddContactIcon /></ToolButton>
          <ToolButton label='Show my invite' current={openPanel === 'invite'} onClick={props.onShowInvite}><InviteIcon /></ToolButton>
          <ToolButton label='Network' current={openPanel === 'network'} onClick={props.onOpenNetwork}><NetworkIcon /></ToolButton>
          <ToolButton label='Settings' current={openPanel === 'settings'} onClick={props.onOpenSettings}><SettingsIcon /></ToolButton>
        </div>
        {/* A row of its own: next to four tool buttons it had no room and was cut off. */}
        <NetworkSummary />
      </header>
      <div className='search' role='search'>
        <input
          ref={searchBox}
          type='search'
          aria-label='Search messages'
          placeholder='Search'
          dir='auto'
          // The engine searches at most this much; the box stops there instead of passing on an error.
          maxLength={MAX_SEARCH_CHARS}
          value={query}
          onChange={event => { setQuery(event.target.value) }}
          onKeyDown={event => { if (event.key === 'Escape') setQuery('') }}
        />
      </div>
      <div className='sidebar-scroll'>
        <ErrorNote message={conversations.error} />
        {searching
          ? <SearchResults query={query} chats={matchingChats} selectedPeerId={selectedPeerId} nameOf={props.nameOf} onOpen={props.onOpenConversation} />
          : <AllChats conversations={conversations} selectedPeerId={selectedPeerId} onOpen={props.onOpenConversation} />}
      </div>
    </nav>
  )
}

/** Every chat, when nothing is searched for. */
function AllChats ({ conversations, selectedPeerId, onOpen }: { conversations: Conversations, selectedPeerId: string | undefined, onOpen: (peerId: string) => void }): React.JSX.Element | null {
  const list = conversations.conversations
  if (list == null) return conversations.error == null ? <p role='status' className='muted sidebar-note'>Loading chats…</p> : null
  return (
    <>
      <ConversationList conversations={list} selectedPeerId={selectedPeerId} onOpen={onOpen} />
      {list.length === 0 && (
        <p className='muted sidebar-note'>No chats yet. Swap invite codes with someone to start: use “Add contact” above.</p>
      )}
    </>
  )
}

function ToolButton ({ label, current = false, onClick, children }: { label: string, current?: boolean, onClick: () => void, children: React.ReactNode }): React.JSX.Element {
  return (
    <button type='button' className='icon-button' aria-label={label} title={label} aria-current={current ? 'page' : undefined} onClick={onClick}>
      {children}
    </button>
  )
}

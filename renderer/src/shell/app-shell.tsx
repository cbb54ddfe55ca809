import { useCallback, useEffect, useRef, useState } from 'react'
import { assertNever } from '../assert-never.js'
import { useClient, useRpcEvent } from '../client.js'
import { ContactView } from '../contact/contact-view.js'
import { ConversationView } from '../conversation/conversation-view.js'
import { useContacts } from '../hooks/use-contacts.js'
import { useConversations } from '../hooks/use-conversations.js'
import { useIncomingNotifications } from '../hooks/use-incoming-notifications.js'
import { useSettings } from '../hooks/use-settings.js'
import { AddContactDialog } from '../invite/add-contact-dialog.js'
import { InvitePanel } from '../invite/invite-panel.js'
import { NetworkPanel } from '../network/network-panel.js'
import { peerSummary } from '../peer.js'
import { SettingsPanel } from '../settings/settings-panel.js'
import { applyTheme } from '../theme.js'
import { Sidebar } from './sidebar.js'
import type { Contact } from '../../../core/api/contract.js'
import type { PeerSummary } from '../peer.js'
import type { SidebarPanel } from './sidebar.js'

/** What the main pane shows. */
export type MainView =
  | { kind: 'home' }
  | { kind: 'conversation', peerId: string }
  | { kind: 'contact', peerId: string }
  | { kind: 'network' }
  | { kind: 'settings' }

function sidebarPanel (view: MainView): SidebarPanel {
  switch (view.kind) {
    case 'home': return 'invite'
    case 'network': return 'network'
    case 'settings': return 'settings'
    case 'conversation':
    case 'contact':
      return null
    default: return assertNever(view)
  }
}

/** The app once an identity exists: chats on the left, the chosen view on the right. */
export function AppShell ({ welcome }: { welcome: boolean }): React.JSX.Element {
  const client = useClient()
  const conversations = useConversations()
  const contacts = useContacts()
  const settings = useSettings()
  const [view, setView] = useState<MainView>({ kind: 'home' })
  const [addingContact, setAddingContact] = useState(false)
  const [peerId, setPeerId] = useState<string | null>(null)
  // Unsent text per conversation, so switching chats never loses what was typed.
  const drafts = useRef(new Map<string, string>())

  useEffect(() => {
    client.call('whoami').then(me => { setPeerId(me.peerId) }, () => { /* only the avatar colour needs it */ })
  }, [client])

  const theme = settings.settings?.theme
  useEffect(() => { if (theme != null) applyTheme(theme) }, [theme])

  const list = conversations.conversations
  const totalUnread = list?.reduce((sum, c) => sum + c.unread, 0) ?? 0
  useEffect(() => { document.title = totalUnread > 0 ? `(${totalUnread}) Parley` : 'Parley' }, [totalUnread])

  const peerOf = (id: string): PeerSummary | undefined => peerSummary(contacts.contacts?.get(id), list?.find(c => c.peerId === id))
  const nameOf = (id: string): string => peerOf(id)?.name ?? 'Unknown contact'
  const openConversation = useCallback((id: string) => { setView({ kind: 'conversation', peerId: id }) }, [])
  const openPeerId = view.kind === 'conversation' ? view.peerId : undefined

  useIncomingNotifications({ settings: settings.settings, openPeerId, nameOf, onOpen: openConversation })
  useRpcEvent('contactRemoved', removed => {
    drafts.current.delete(removed.peerId)
    setView(current => 'peerId' in current && current.peerId === removed.peerId ? { kind: 'home' } : current)
  })

  const { upsert } = contacts
  const { reload, clearUnread } = conversations
  const contactChanged = useCallback((contact: Contact) => {
    upsert(contact)
    reload()
  }, [upsert, reload])
  const added = (contact: Contact): void => {
    setAddingContact(false)
    contactChanged(contact)
    openConversation(contact.peerId)
  }
  const markedRead = useCallback(() => {
    if (openPeerId != null) clearUnread(openPeerId)
    reload()
  }, [openPeerId, clearUnread, reload])

  const renderMain = (): React.JSX.Element => {
    switch (view.kind) {
      case 'home':
        // "All set" greets a new identity; once someone is in the list it would only be odd.
        return <InvitePanel welcome={welcome && contacts.contacts?.size === 0} onPasteInvite={() => { setAddingContact(true) }} />
      case 'network':
        return <NetworkPanel onClose={() => { setView({ kind: 'home' }) }} />
      case 'settings':
        return <SettingsPanel settings={settings} onClose={() => { setView({ kind: 'home' }) }} />
      case 'conversation': {
        const peer = peerOf(view.peerId)
        if (peer == null) return <p className='empty-pane' role='status'>Loading…</p>
        return (
          <ConversationView
            key={peer.peerId}
            peer={peer}
            unreadCount={list?.find(c => c.peerId === peer.peerId)?.unread ?? 0}
            draft={drafts.current.get(peer.peerId) ?? ''}
            onDraftChange={draft => { drafts.current.set(peer.peerId, draft) }}
            onOpenContact={() => { setView({ kind: 'contact', peerId: peer.peerId }) }}
            onRead={markedRead}
          />
        )
      }
      case 'contact': {
        const peer = peerOf(view.peerId)
        if (peer == null) return <p className='empty-pane' role='status'>Loading…</p>
        return (
          <ContactView
            key={peer.peerId}
            peer={peer}
            onBack={() => { openConversation(peer.peerId) }}
            onContactChanged={contactChanged}
            onRemoved={() => {
              contacts.remove(peer.peerId)
              setView({ kind: 'home' })
              reload()
            }}
          />
        )
      }
      default:
        return assertNever(view)
    }
  }

  return (
    <div className='shell'>
      <Sidebar
        me={peerId == null || settings.settings == null ? null : { peerId, displayName: settings.settings.displayName }}
        conversations={conversations}
        selectedPeerId={openPeerId}
        openPanel={sidebarPanel(view)}
        nameOf={nameOf}
        onOpenConversation={openConversation}
        onAddContact={() => { setAddingContact(true) }}
        onShowInvite={() => { setView({ kind: 'home' }) }}
        onOpenNetwork={() => { setView({ kind: 'network' }) }}
        onOpenSettings={() => { setView({ kind: 'settings' }) }}
      />
      <main className='main-pane'>{renderMain()}</main>
      {addingContact && <AddContactDialog onClose={() => { setAddingContact(false) }} onAdded={added} />}
    </div>
  )
}

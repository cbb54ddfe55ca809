import { useCallback, useEffect, useState } from 'react'
import { useClient, useRpcEvent } from '../client.js'
import { describeError } from '../errors.js'
import type { Contact } from '../../../core/api/contract.js'

export interface Contacts {
  /** By PeerId; null until the first load. */
  contacts: ReadonlyMap<string, Contact> | null
  error: string | null
  /** Records a contact a call returned, before its `contact` event arrives. */
  upsert: (contact: Contact) => void
  remove: (peerId: string) => void
}

export function useContacts (): Contacts {
  const client = useClient()
  const [contacts, setContacts] = useState<ReadonlyMap<string, Contact> | null>(null)
  const [error, setError] = useState<string | null>(null)

  useEffect(() => {
    let current = true
    client.call('listContacts').then(result => {
      if (!current) return
      // Merge: events may have arrived while the list was loading.
      setContacts(known => new Map([...result.contacts.map(c => [c.peerId, c] as const), ...known ?? []]))
    }, (err: unknown) => {
      if (current) setError(describeError(err))
    })
    return () => { current = false }
  }, [client])

  const upsert = useCallback((contact: Contact) => {
    setContacts(known => new Map(known ?? []).set(contact.peerId, contact))
  }, [])
  const remove = useCallback((peerId: string) => {
    setContacts(known => {
      const next = new Map(known ?? [])
      next.delete(peerId)
      return next
    })
  }, [])

  useRpcEvent('contact', upsert)
  useRpcEvent('contactRemoved', ({ peerId }) => { remove(peerId) })

  return { contacts, error, upsert, remove }
}

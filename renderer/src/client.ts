import { createContext, useContext, useEffect, useRef } from 'react'
import type { ParleyContract, ParleyEvent } from '../../core/api/contract.js'
import type { RpcClient } from '../../core/api/rpc-client.js'
import type { EventData } from '../../core/api/rpc-types.js'

/** The only way the UI talks to the engine. */
export type ParleyClient = RpcClient<ParleyContract>

export type ParleyEventData<E extends ParleyEvent> = EventData<ParleyContract, E>

export const ClientContext = createContext<ParleyClient | null>(null)

export function useClient (): ParleyClient {
  const client = useContext(ClientContext)
  if (client == null) throw new Error('useClient needs a <ClientContext.Provider> above it')
  return client
}

/**
 * Subscribes to an engine event for as long as the component is mounted.
 * The listener may change on every render; the subscription does not.
 */
export function useRpcEvent<E extends ParleyEvent> (event: E, listener: (data: ParleyEventData<E>) => void): void {
  const client = useClient()
  const latest = useRef(listener)
  useEffect(() => { latest.current = listener })
  useEffect(() => client.on(event, data => { latest.current(data) }), [client, event])
}

import { useCallback, useEffect, useState } from 'react'
import { useClient, useRpcEvent } from '../client.js'
import { describeError } from '../errors.js'
import type { NetworkStatus } from '../../../core/api/contract.js'

export interface NetworkStatusState {
  status: NetworkStatus | null
  error: string | null
  refresh: () => void
}

/** The node's status: loaded once, then kept live by `network` events. */
export function useNetworkStatus (): NetworkStatusState {
  const client = useClient()
  const [status, setStatus] = useState<NetworkStatus | null>(null)
  const [error, setError] = useState<string | null>(null)

  const refresh = useCallback(() => {
    client.call('status').then(result => {
      setStatus(result)
      setError(null)
    }, (err: unknown) => { setError(describeError(err)) })
  }, [client])

  useEffect(refresh, [refresh])
  useRpcEvent('network', next => {
    setStatus(next)
    setError(null)
  })

  return { status, error, refresh }
}

import { useCallback, useEffect, useState } from 'react'
import { useClient } from '../client.js'
import { describeError } from '../errors.js'
import type { Settings } from '../../../core/api/contract.js'

export interface SettingsState {
  /** Null until loaded. */
  settings: Settings | null
  loadError: string | null
  /** Saves the given fields; rejects with the engine's error for the caller to show. */
  save: (changes: Partial<Settings>) => Promise<Settings>
}

export function useSettings (): SettingsState {
  const client = useClient()
  const [settings, setSettings] = useState<Settings | null>(null)
  const [loadError, setLoadError] = useState<string | null>(null)

  useEffect(() => {
    let current = true
    client.call('getSettings').then(result => {
      if (current) setSettings(result)
    }, (err: unknown) => {
      if (current) setLoadError(describeError(err))
    })
    return () => { current = false }
  }, [client])

  const save = useCallback(async (changes: Partial<Settings>) => {
    const saved = await client.call('setSettings', changes)
    setSettings(saved)
    return saved
  }, [client])

  return { settings, loadError, save }
}

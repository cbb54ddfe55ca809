import { useEffect, useState } from 'react'
import { useClient } from '../client.js'
import { describeError } from '../errors.js'
import type { Message } from '../../../core/api/contract.js'

/** Wait this long after the last keystroke before asking the engine. */
const SEARCH_DELAY_MS = 200
const SEARCH_LIMIT = 50

export interface SearchHit {
  message: Message
  snippet: string
}

export interface MessageSearch {
  /** Null while nothing was searched for (or the first answer is pending). */
  results: SearchHit[] | null
  searching: boolean
  error: string | null
}

/** Full-text search as you type: debounced, and an older query never overwrites a newer one. */
export function useMessageSearch (query: string): MessageSearch {
  const client = useClient()
  const [results, setResults] = useState<SearchHit[] | null>(null)
  const [searching, setSearching] = useState(false)
  const [error, setError] = useState<string | null>(null)
  const words = query.trim()

  useEffect(() => {
    setError(null)
    if (words === '') {
      setResults(null)
      setSearching(false)
      return
    }
    setSearching(true)
    const controller = new AbortController()
    const timer = setTimeout(() => {
      client.call('search', { query: words, limit: SEARCH_LIMIT }, { signal: controller.signal }).then(answer => {
        setResults(answer.results)
        setSearching(false)
      }, (err: unknown) => {
        if (controller.signal.aborted) return
        setError(describeError(err))
        setSearching(false)
      })
    }, SEARCH_DELAY_MS)
    return () => {
      clearTimeout(timer)
      controller.abort()
    }
  }, [client, words])

  return { results, searching, error }
}

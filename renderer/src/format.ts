const DAY_MS = 24 * 60 * 60 * 1000

/** A key that is equal for two timestamps on the same local calendar day. */
export function dayKey (timestamp: number): string {
  const date = new Date(timestamp)
  return `${date.getFullYear()}-${date.getMonth()}-${date.getDate()}`
}

function startOfDay (timestamp: number): number {
  const date = new Date(timestamp)
  date.setHours(0, 0, 0, 0)
  return date.getTime()
}

/** "Today", "Yesterday", a weekday within the last week, else a full date. */
export function formatDay (timestamp: number, now = Date.now()): string {
  const daysAgo = Math.round((startOfDay(now) - startOfDay(timestamp)) / DAY_MS)
  if (daysAgo === 0) return 'Today'
  if (daysAgo === 1) return 'Yesterday'
  if (daysAgo > 1 && daysAgo < 7) return new Intl.DateTimeFormat(undefined, { weekday: 'long' }).format(timestamp)
  const sameYear = new Date(timestamp).getFullYear() === new Date(now).getFullYear()
  return new Intl.DateTimeFormat(undefined, sameYear
    ? { weekday: 'short', day: 'numeric', month: 'long' }
    : { day: 'numeric', month: 'long', year: 'numeric' }).format(timestamp)
}

/** Clock time of a message, e.g. "14:05" or "2:05 PM" per the user's locale. */
export function formatTime (timestamp: number): string {
  return new Intl.DateTimeFormat(undefined, { hour: 'numeric', minute: '2-digit' }).format(timestamp)
}

/** Short stamp for the chat list: a time today, a weekday this week, else a date. */
export function formatListStamp (timestamp: number, now = Date.now()): string {
  const daysAgo = Math.round((startOfDay(now) - startOfDay(timestamp)) / DAY_MS)
  if (daysAgo === 0) return formatTime(timestamp)
  if (daysAgo > 0 && daysAgo < 7) return new Intl.DateTimeFormat(undefined, { weekday: 'short' }).format(timestamp)
  return new Intl.DateTimeFormat(undefined, { day: 'numeric', month: 'short' }).format(timestamp)
}

/** Full date and time, for a `title` tooltip and `<time dateTime>`. */
export function formatFull (timestamp: number): string {
  return new Intl.DateTimeFormat(undefined, { dateStyle: 'full', timeStyle: 'short' }).format(timestamp)
}

/** Shortens a PeerId for tight places; the full one stays available elsewhere. */
export function shortPeerId (peerId: string): string {
  return peerId.length <= 16 ? peerId : `${peerId.slice(0, 8)}…${peerId.slice(-6)}`
}

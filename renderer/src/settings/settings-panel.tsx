import { useId, useState } from 'react'
import { MAX_NAME_CHARS } from '../../../core/api/text-rules.js'
import { useAction } from '../hooks/use-action.js'
import { pageHost } from '../connection.js'
import { notificationPermission, requestNotificationPermission } from '../notifications.js'
import { ErrorNote } from '../ui/error-note.js'
import { BackIcon } from '../ui/icons.js'
import type { Settings } from '../../../core/api/contract.js'
import type { SettingsState } from '../hooks/use-settings.js'

type Save = SettingsState['save']

/** Settings, each section saved on its own so one bad field does not block the rest. */
export function SettingsPanel ({ settings, onClose }: { settings: SettingsState, onClose: () => void }): React.JSX.Element {
  const headingId = useId()
  const current = settings.settings
  return (
    <section className='panel' aria-labelledby={headingId} data-testid='settings-panel'>
      <header className='pane-header'>
        <button type='button' className='icon-button' aria-label='Close' title='Close' onClick={onClose}><BackIcon /></button>
        <div className='pane-title'><h2 id={headingId}>Settings</h2></div>
      </header>
      <div className='panel-body'>
        <ErrorNote message={settings.loadError} />
        {current == null
          ? settings.loadError == null && <p role='status'>Loading…</p>
          : (
            <>
              <DisplayNameSection current={current.displayName} save={settings.save} />
              <ThemeSection current={current.theme} save={settings.save} />
              <NotificationSection current={current.notifications} save={settings.save} />
              <PeerListsSection relays={current.relays} bootstrap={current.bootstrap} save={settings.save} />
              <LocalNetworkSection current={current.mdns} save={settings.save} />
            </>
            )}
      </div>
    </section>
  )
}

function DisplayNameSection ({ current, save }: { current: string, save: Save }): React.JSX.Element {
  const [name, setName] = useState(current)
  const [saved, setSaved] = useState(false)
  const inputId = useId()
  const action = useAction(save)
  const submit = async (event: React.FormEvent): Promise<void> => {
    event.preventDefault()
    setSaved((await action.run({ displayName: name })).ok)
  }
  return (
    <section className='card'>
      <h3>Profile</h3>
      <form className='inline-form' onSubmit={event => { void submit(event) }}>
        <label htmlFor={inputId}>Display name</label>
        <input id={inputId} dir='auto' value={name} maxLength={MAX_NAME_CHARS} onChange={event => { setName(event.target.value); setSaved(false) }} />
        <button type='submit' className='primary' disabled={action.pending || name === current}>Save name</button>
        <span role='status'>{saved && 'Saved.'}</span>
      </form>
      <p className='hint'>Shown to people you invite from now on.</p>
      <ErrorNote message={action.error} />
    </section>
  )
}

const THEMES: Array<{ value: Settings['theme'], label: string }> = [
  { value: 'system', label: 'System' },
  { value: 'light', label: 'Light' },
  { value: 'dark', label: 'Dark' }
]

/** Applies at once, like a light switch; "System" follows the operating system's setting. */
function ThemeSection ({ current, save }: { current: Settings['theme'], save: Save }): React.JSX.Element {
  const action = useAction(save)
  const name = useId()
  return (
    <section className='card'>
      <fieldset className='choice-group'>
        <legend>Theme</legend>
        {THEMES.map(theme => (
          <label key={theme.value} className='choice'>
            <input type='radio' name={name} value={theme.value} checked={current === theme.value} disabled={action.pending} onChange={() => { void action.run({ theme: theme.value }) }} />
            {theme.label}
          </label>
        ))}
      </fieldset>
      <ErrorNote message={action.error} />
    </section>
  )
}

const PERMISSION_NOTES: Record<Exclude<NotificationPermission, 'granted'> | 'unsupported', string> = {
  denied: 'Your browser blocks notifications from this page. Allow them in its site settings, then tick the box again.',
  default: 'Notifications stay off until you allow them when the browser asks.',
  unsupported: 'This browser cannot show notifications.'
}

/**
 * In a browser tab, "Show notifications" is ticked only while the browser
 * allows them: the stored setting alone would claim notifications that never
 * come. Ticking it asks first and saves only a yes. The desktop app's
 * notifications come from main, which needs no page permission.
 */
function NotificationSection ({ current, save }: { current: Settings['notifications'], save: Save }): React.JSX.Element {
  const action = useAction(save)
  const desktop = pageHost(window) === 'desktop'
  const [permission, setPermission] = useState(notificationPermission)
  const [permissionNote, setPermissionNote] = useState<string | null>(null)
  const allowed = desktop || permission === 'granted'
  const enabled = current.enabled && allowed
  const update = async (notifications: Settings['notifications']): Promise<void> => {
    if (notifications.enabled && !allowed) {
      const answer = await requestNotificationPermission()
      setPermission(answer)
      if (answer !== 'granted') {
        setPermissionNote(PERMISSION_NOTES[answer])
        return
      }
    }
    setPermissionNote(null)
    await action.run({ notifications })
  }
  return (
    <section className='card'>
      <fieldset className='choice-group'>
        <legend>Notifications</legend>
        <label className='choice'>
          <input type='checkbox' checked={enabled} disabled={action.pending} onChange={event => { void update({ ...current, enabled: event.target.checked }) }} />
          Show notifications
        </label>
        <label className='choice'>
          <input type='checkbox' checked={current.showContent} disabled={action.pending || !enabled} onChange={event => { void update({ ...current, showContent: event.target.checked }) }} />
          Show message text in notifications
        </label>
      </fieldset>
      <p className='hint'>Without message text, a notification says only who wrote.</p>
      <ErrorNote message={permissionNote ?? action.error} />
    </section>
  )
}

function toLines (text: string): string[] {
  return text.split('\n').map(line => line.trim()).filter(line => line !== '')
}

function PeerListsSection ({ relays, bootstrap, save }: { relays: string[], bootstrap: string[], save: Save }): React.JSX.Element {
  const [relayText, setRelayText] = useState(relays.join('\n'))
  const [bootstrapText, setBootstrapText] = useState(bootstrap.join('\n'))
  const [saved, setSaved] = useState(false)
  const relaysId = useId()
  const bootstrapId = useId()
  const relaysHintId = useId()
  const bootstrapHintId = useId()
  const action = useAction(save)
  const submit = async (event: React.FormEvent): Promise<void> => {
    event.preventDefault()
    setSaved((await action.run({ relays: toLines(relayText), bootstrap: toLines(bootstrapText) })).ok)
  }
  return (
    <section className='card'>
      <h3>Relays and bootstrap peers</h3>
      <form className='stacked-form' onSubmit={event => { void submit(event) }}>
        <label htmlFor={relaysId}>Relays</label>
        <textarea id={relaysId} aria-describedby={relaysHintId} className='mono' rows={3} spellCheck={false} value={relayText} onChange={event => { setRelayText(event.target.value); setSaved(false) }} />
        <p id={relaysHintId} className='hint'>
          One multiaddr per line, named in your invites so contacts can reach you. Left empty, invites name your bootstrap
          peers: the ones below and the ones this device was started with, which are not listed here.
        </p>
        <label htmlFor={bootstrapId}>Bootstrap peers</label>
        <textarea id={bootstrapId} aria-describedby={bootstrapHintId} className='mono' rows={3} spellCheck={false} value={bootstrapText} onChange={event => { setBootstrapText(event.target.value); setSaved(false) }} />
        <p id={bootstrapHintId} className='hint'>
          One multiaddr ending in /p2p/&lt;PeerId&gt; per line; dialled at once and at every start. Peers saved here are used in addition to the
          ones this device was started with (such as <code>--bootstrap</code>), which are not listed here.
        </p>
        <ErrorNote message={action.error} />
        <div className='actions'>
          <button type='submit' className='primary' disabled={action.pending}>Save peer lists</button>
          <span role='status'>{saved && 'Saved.'}</span>
        </div>
      </form>
    </section>
  )
}

/** mDNS tells every device on the local network this device's PeerId and addresses, so it is off until chosen. */
function LocalNetworkSection ({ current, save }: { current: boolean, save: Save }): React.JSX.Element {
  const action = useAction(save)
  return (
    <section className='card'>
      <fieldset className='choice-group'>
        <legend>Local network</legend>
        <label className='choice'>
          <input type='checkbox' checked={current} disabled={action.pending} onChange={event => { void action.run({ mdns: event.target.checked }) }} />
          Find and announce peers on this network (mDNS)
        </label>
      </fieldset>
      <p className='hint'>Announcing tells every device on the network your PeerId and addresses. Takes effect the next time Parley starts.</p>
      <ErrorNote message={action.error} />
    </section>
  )
}

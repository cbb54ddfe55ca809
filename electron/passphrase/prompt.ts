/**
 * The passphrase prompt's page. `?mode=new` asks twice (first start without
 * a keystore); `?mode=unlock` asks once; `retry=1` says the last one was wrong.
 */

/** A new passphrase shorter than this is refused here; scrypt makes each guess slow, not impossible. */
const MIN_NEW_PASSPHRASE_LENGTH = 10

interface PassphraseBridge {
  submit: (passphrase: string) => void
  cancel: () => void
}

const bridge = (window as unknown as { parleyPassphrase: PassphraseBridge }).parleyPassphrase
const params = new URLSearchParams(window.location.search)
const isNew = params.get('mode') === 'new'

function element<T extends HTMLElement> (id: string): T {
  const found = document.getElementById(id)
  if (found == null) throw new Error(`missing #${id}`)
  return found as T
}

const form = element<HTMLFormElement>('form')
const passphrase = element<HTMLInputElement>('passphrase')
const repeat = element<HTMLInputElement>('repeat')
const error = element<HTMLParagraphElement>('error')

if (isNew) {
  element('title').textContent = 'Choose a passphrase'
  element('explain').textContent = 'It protects the key that encrypts your messages. You will type it each time Parley starts; if you forget it, your messages cannot be recovered.'
  element('repeat-row').hidden = false
  repeat.required = true
  element('submit').textContent = 'Continue'
}
if (params.get('retry') === '1') error.textContent = 'That passphrase did not unlock your messages. Try again.'

form.addEventListener('submit', event => {
  event.preventDefault()
  const value = passphrase.value
  if (isNew && Array.from(value).length < MIN_NEW_PASSPHRASE_LENGTH) {
    error.textContent = `Use at least ${MIN_NEW_PASSPHRASE_LENGTH} characters.`
    return
  }
  if (isNew && value !== repeat.value) {
    error.textContent = 'The two passphrases differ.'
    return
  }
  if (value === '') return
  bridge.submit(value)
})
element('cancel').addEventListener('click', () => { bridge.cancel() })

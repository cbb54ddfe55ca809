/**
 * Plain words for a failed call. Errors from the engine carry a stable `code`
 * (docs/api.md); we match on it by property, never `instanceof`, because the
 * error may have crossed a process boundary.
 */
export function describeError (err: unknown): string {
  const { code, message } = errorFields(err)
  switch (code) {
    case 'disconnected':
      return 'Lost the connection to the Parley engine. Reload the window to reconnect.'
    case 'timeout':
      return 'The Parley engine did not answer in time. Please try again.'
    case 'aborted':
      return 'Cancelled.'
    case 'invalid_params':
      return `That was not accepted: ${readableValidation(message)}.`
    case 'invalid_invite':
      return `That invite code does not work: ${message.replace(/^invalid invite:\s*/i, '')}.`
    case 'not_found':
      return 'That contact or message no longer exists.'
    case 'identity_changed':
      return 'This contact’s safety number changed. Review and accept it in Contact info before sending.'
    case 'peer_unreachable':
      return `Could not reach them right now: ${message}.`
    case 'not_initialised':
      return 'Create your identity first.'
    case 'already_initialised':
      return 'This device already has an identity. Reload the window.'
    default:
      return message === '' ? 'Something went wrong.' : `Something went wrong: ${message}.`
  }
}

function errorFields (err: unknown): { code: string, message: string } {
  if (typeof err === 'object' && err != null) {
    const fields = err as { code?: unknown, message?: unknown }
    return {
      code: typeof fields.code === 'string' ? fields.code : '',
      message: typeof fields.message === 'string' ? fields.message.replace(/\.$/, '') : ''
    }
  }
  return { code: '', message: String(err) }
}

/**
 * `invalid params for 'setSettings': params.relays[0]: a multiaddr…` → `relays, line 1: a multiaddr…`;
 * `params.text: the message is empty` → `the message is empty` (a field of its own needs no naming: the
 * contract's messages say what they are about).
 */
function readableValidation (message: string): string {
  return message
    .replace(/^invalid params for '[^']*':\s*/, '')
    .replace(/(^|; )params\.\w+: /g, '$1')
    .replace(/\bparams\./g, '')
    .replace(/(\w+)\[(\d+)\]/g, (_match, field: string, index: string) => `${field}, line ${Number(index) + 1}`)
}

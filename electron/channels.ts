/** IPC channel names, shared by main and the preloads. Nothing else crosses IPC. */

/** Preload → main: "give this page a port to the engine". Accepted only from our window's top frame. */
export const PORT_REQUEST_CHANNEL = 'parley:request-port'
/** Main → preload: carries the port; the preload re-posts it to the page as `{ type: 'parley:port' }`. */
export const PORT_CHANNEL = 'parley:port'
/** The `type` of the window message that hands the port to the renderer. */
export const PORT_MESSAGE_TYPE = 'parley:port'
/** The `type` of the window message by which the renderer says it listens for the port. */
export const RENDERER_READY_TYPE = 'parley:ready'

/** Passphrase prompt → main: the passphrase (a string), or a cancel. */
export const PASSPHRASE_SUBMIT_CHANNEL = 'parley:passphrase-submit'
export const PASSPHRASE_CANCEL_CHANNEL = 'parley:passphrase-cancel'

import { waitFor } from '../../core/sim/harness.js'
import type { SimUser } from '../../core/sim/harness.js'
import type { StoredMessage } from '../../core/store/messages-repo.js'

/** `user`'s conversation with `peer`, oldest first, as text. */
export function texts (user: SimUser, peer: SimUser): string[] {
  return user.engine.history(peer.engine.peerId, 1000).reverse().map(m => m.text)
}

/** Waits until `user`'s own `message` is acked by the recipient. */
export async function delivered (user: SimUser, message: StoredMessage, timeoutMs = 10_000): Promise<void> {
  await waitFor(() => user.engine.messages.get(message.id)?.status === 'delivered', timeoutMs, `delivery of "${message.text}"`)
}

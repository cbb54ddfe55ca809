import { z } from 'zod'
import { ParleyError } from '../errors.js'
import { clientFlagsSchema, clientOptions, formatTime, resolveContact, runClientCommand } from './client-command.js'
import { integerFlag } from './flags.js'
import type { Message, MessageStatus } from '../api/contract.js'
import type { DaemonClient } from './daemon-client.js'
import type { Command } from 'commander'

const DEFAULT_WAIT_TIMEOUT_S = 60

/** Registers `parley send`, `parley messages` and `parley search`. */
export function registerMessageCommands (program: Command): void {
  const sendFlags = clientFlagsSchema.extend({
    contact: z.string(),
    text: z.string(),
    wait: z.enum(['sent', 'delivered'], { error: '--wait must be "sent" or "delivered"' }).optional(),
    timeout: integerFlag('--timeout', 1, 86_400).optional()
  })
  clientOptions(program.command('send <contact> <text>'))
    .description('send a message (<contact> is a name or a PeerId); prints its id')
    .option('--wait <status>', '"delivered": wait until the recipient stored it; "sent": until it left this device')
    .option('--timeout <seconds>', `how long --wait waits (default: ${DEFAULT_WAIT_TIMEOUT_S}); running out exits 1, the message stays queued`)
    .addHelpText('after', `
Example:
  $ parley send Alice "see you at 6" --wait delivered --data ~/.parley
  3f2a9c...   (the message id)

Without --wait it returns once the message is stored and queued; delivery
goes on in the daemon, also after the recipient comes online later.`)
    .action(async (contact: string, text: string, raw: Record<string, unknown>) => {
      await runClientCommand(sendFlags, { ...raw, contact, text }, async (client, flags) => {
        const { peerId } = await resolveContact(client, flags.contact)
        const statuses = new StatusWatch(client)
        try {
          const message = await client.call('send', { peerId, text: flags.text })
          if (flags.wait == null) return message
          const status = await statuses.waitFor(message.id, flags.wait, (flags.timeout ?? DEFAULT_WAIT_TIMEOUT_S) * 1000)
          return { ...message, status }
        } finally {
          statuses.stop()
        }
      }, message => message.id)
    })

  const messagesFlags = clientFlagsSchema.extend({ contact: z.string(), limit: integerFlag('--limit', 1, 200).optional() })
  clientOptions(program.command('messages <contact>'))
    .description('show the latest messages with a contact, oldest first')
    .option('--limit <n>', 'how many (default: 20, at most 200)')
    .addHelpText('after', `
Example:
  $ parley messages Alice --limit 5 --data ~/.parley
  2026-11-26 18:02  Alice: are we still on?
  2026-11-26 18:03  you: see you at 6  (delivered)`)
    .action(async (contact: string, raw: Record<string, unknown>) => {
      await runClientCommand(messagesFlags, { ...raw, contact }, async (client, flags) => {
        const { peerId, name } = await resolveContact(client, flags.contact)
        const page = await client.call('messages', { peerId, limit: flags.limit ?? 20 })
        return { contact: { peerId, name }, messages: page.messages.reverse() }
      }, ({ contact, messages }) => messages.map(m => messageLine(m, contact.name)).join('\n'))
    })

  const searchFlags = clientFlagsSchema.extend({ query: z.string(), limit: integerFlag('--limit', 1, 100).optional() })
  clientOptions(program.command('search <text>'))
    .description('search all conversations; the last word matches as a prefix')
    .option('--limit <n>', 'most results (default: 20, at most 100)')
    .addHelpText('after', `
Example:
  $ parley search "dinner tomo" --data ~/.parley
  2026-11-26 18:02  Alice: …dinner tomorrow at…`)
    .action(async (query: string, raw: Record<string, unknown>) => {
      await runClientCommand(searchFlags, { ...raw, query }, async (client, flags) => {
        const [{ results }, { contacts }] = await Promise.all([
          client.call('search', { query: flags.query, limit: flags.limit ?? 20 }),
          client.call('listContacts')
        ])
        const names = new Map(contacts.map(c => [c.peerId, c.name]))
        return { results: results.map(r => ({ ...r, contactName: names.get(r.message.peerId) ?? r.message.peerId })) }
      }, ({ results }) => results.map(r => `${formatTime(r.message.sentAt)}  ${r.message.outgoing ? 'you' : r.contactName}: ${r.snippet}`).join('\n'))
    })
}

function messageLine (message: Message, contactName: string): string {
  const who = message.outgoing ? 'you' : contactName
  const status = message.outgoing ? `  (${message.status}${message.error != null ? `: ${message.error}` : ''})` : ''
  return `${formatTime(message.sentAt)}  ${who}: ${message.text}${status}`
}

const STATUS_ORDER: Record<MessageStatus, number> = { queued: 0, sent: 1, delivered: 2, received: 2, failed: 3 }

/**
 * Collects `messageStatus` events from before the send, so a delivery that
 * races the send's reply is not missed.
 */
class StatusWatch {
  private readonly seen = new Map<string, { status: MessageStatus, error?: string }>()
  private readonly unsubscribe: () => void
  private notify: (() => void) | undefined

  constructor (client: DaemonClient) {
    this.unsubscribe = client.on('messageStatus', change => {
      this.seen.set(change.id, change)
      this.notify?.()
    })
  }

  /** Resolves with the status once `id` reached `target` (or beyond); a failure or the timeout rejects (exit 1). */
  async waitFor (id: string, target: 'sent' | 'delivered', timeoutMs: number): Promise<MessageStatus> {
    return await new Promise((resolve, reject) => {
      const timer = setTimeout(() => {
        reject(new ParleyError('peer_unreachable', `not ${target} within ${timeoutMs / 1000} s; the message stays queued and the daemon keeps trying`))
      }, timeoutMs)
      this.notify = () => {
        const current = this.seen.get(id)
        if (current == null) return
        if (current.status === 'failed') {
          clearTimeout(timer)
          reject(new ParleyError('peer_unreachable', `the message failed: ${current.error ?? 'no reason given'}`))
        } else if (STATUS_ORDER[current.status] >= STATUS_ORDER[target]) {
          clearTimeout(timer)
          resolve(current.status)
        }
      }
      this.notify()
    })
  }

  stop (): void {
    this.unsubscribe()
  }
}

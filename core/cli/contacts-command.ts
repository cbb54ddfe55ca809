import { z } from 'zod'
import { clientFlagsSchema, clientOptions, resolveContact, runClientCommand } from './client-command.js'
import type { Contact } from '../api/contract.js'
import type { Command } from 'commander'

/** Registers `parley contacts add|list|rename|remove`. */
export function registerContactsCommand (program: Command): void {
  const contacts = program.command('contacts')
    .description('add, list, rename and remove contacts')
    .addHelpText('after', `
Example:
  $ parley contacts add parley:4vJ9... --name Alice --data ~/.parley
  $ parley contacts list --data ~/.parley`)

  const addFlags = clientFlagsSchema.extend({ invite: z.string(), name: z.string({ error: '--name is required' }) })
  clientOptions(contacts.command('add <invite>'))
    .description('add a contact from their invite code')
    .option('--name <name>', 'what to call them (required)')
    .addHelpText('after', `
Example:
  $ parley contacts add "$(parley invite --data /tmp/alice)" --name Alice --data /tmp/bob
  12D3KooW...   (the new contact's PeerId)`)
    .action(async (invite: string, raw: Record<string, unknown>) => {
      await runClientCommand(addFlags, { ...raw, invite }, async (client, flags) => await client.call('addContact', { invite: flags.invite, name: flags.name }), c => c.peerId)
    })

  clientOptions(contacts.command('list'))
    .description('list contacts')
    .addHelpText('after', `
Example:
  $ parley contacts list --data ~/.parley
  Alice  12D3KooW...  verified`)
    .action(async (raw: Record<string, unknown>) => {
      await runClientCommand(clientFlagsSchema, raw, async client => await client.call('listContacts'), ({ contacts }) => contacts.map(contactLine).join('\n'))
    })

  const renameFlags = clientFlagsSchema.extend({ contact: z.string(), name: z.string() })
  clientOptions(contacts.command('rename <contact> <name>'))
    .description('rename a contact (<contact> is a name or a PeerId)')
    .addHelpText('after', `
Example:
  $ parley contacts rename Alice "Alice Liddell" --data ~/.parley`)
    .action(async (contact: string, name: string, raw: Record<string, unknown>) => {
      await runClientCommand(renameFlags, { ...raw, contact, name }, async (client, flags) => {
        const { peerId } = await resolveContact(client, flags.contact)
        return await client.call('renameContact', { peerId, name: flags.name })
      }, contactLine)
    })

  const removeFlags = clientFlagsSchema.extend({ contact: z.string() })
  clientOptions(contacts.command('remove <contact>'))
    .description('delete a contact with its whole conversation and queued messages')
    .addHelpText('after', `
Example:
  $ parley contacts remove Alice --data ~/.parley`)
    .action(async (contact: string, raw: Record<string, unknown>) => {
      await runClientCommand(removeFlags, { ...raw, contact }, async (client, flags) => {
        const { peerId, name } = await resolveContact(client, flags.contact)
        await client.call('removeContact', { peerId })
        return { removed: peerId, name }
      }, ({ removed, name }) => `removed ${name} (${removed})`)
    })
}

function contactLine (contact: Contact): string {
  const flags = [
    contact.verified ? 'verified' : '',
    contact.state === 'request' ? 'message request' : '',
    contact.identityChanged ? 'SAFETY NUMBER CHANGED' : ''
  ].filter(f => f.length > 0)
  return [contact.name, contact.peerId, ...flags].join('  ')
}

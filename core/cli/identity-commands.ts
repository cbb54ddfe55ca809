import qrcode from 'qrcode-terminal'
import { z } from 'zod'
import { clientFlagsSchema, clientOptions, runClientCommand } from './client-command.js'
import type { Command } from 'commander'

/** Registers `parley id` and `parley invite`. */
export function registerIdentityCommands (program: Command): void {
  clientOptions(program.command('id'))
    .description('print this device\'s PeerId')
    .addHelpText('after', `
Example:
  $ parley id --data ~/.parley
  12D3KooW...`)
    .action(async (raw: Record<string, unknown>) => {
      await runClientCommand(clientFlagsSchema, raw, async client => await client.call('whoami'), me => me.peerId)
    })

  const inviteFlags = clientFlagsSchema.extend({ qr: z.boolean().default(false) })
  clientOptions(program.command('invite'))
    .description('print an invite code for someone to add you as a contact')
    .option('--qr', 'also draw it as a QR code in the terminal')
    .addHelpText('after', `
Example:
  $ parley contacts add "$(parley invite --data ~/.parley)" --name Alice --data /tmp/bob
  The code is signed and carries your PeerId, your identity key and your relays;
  it is safe to share but anyone who has it can message you.`)
    .action(async (raw: Record<string, unknown>) => {
      await runClientCommand(inviteFlags, raw, async (client, flags) => {
        const { code } = await client.call('invite')
        return flags.qr && !flags.json ? { code, qr: await renderQr(code) } : { code }
      }, ({ code, qr }: { code: string, qr?: string }) => qr == null ? code : `${qr}\n${code}`)
    })
}

async function renderQr (text: string): Promise<string> {
  return await new Promise(resolve => { qrcode.generate(text, { small: true }, resolve) })
}

import { spawn } from 'node:child_process'
import { join } from 'node:path'
import { createInterface } from 'node:readline'
import { fileURLToPath } from 'node:url'
import { Engine } from '../core/host/engine.js'
import { simKeyWrapper } from '../core/sim/harness.js'
import type { SimNetwork } from '../core/sim/harness.js'

const ENGINE_PROCESS = fileURLToPath(new URL('../core/sim/engine-process.js', import.meta.url))

export interface PeerProcess {
  peerId: string
  invite: string
  stop: () => Promise<void>
}

/**
 * A second user in its own process (its own core), as two devices would be:
 * it knows `contactInvite`, serves the echo baseline and runs until stopped.
 */
export async function startPeerProcess (net: SimNetwork, name: string, contactInvite: string): Promise<PeerProcess> {
  const dataDir = join(net.root, name)
  await Engine.init(dataDir, simKeyWrapper(), name)
  const child = spawn(process.execPath, [ENGINE_PROCESS, '--data', dataDir, '--relay', net.relayAddr, '--contact', contactInvite, '--echo'], { stdio: ['ignore', 'pipe', 'inherit'] })
  const exited = new Promise<void>(resolve => { child.once('exit', () => { resolve() }) })
  const lines = createInterface({ input: child.stdout })
  let invite = ''
  const peerId = await new Promise<string>((resolve, reject) => {
    lines.on('line', line => {
      if (line.startsWith('invite ')) invite = line.slice('invite '.length)
      if (line.startsWith('ready ')) resolve(line.slice('ready '.length))
    })
    void exited.then(() => { reject(new Error(`${name}'s process exited before it was ready`)) })
  })
  return {
    peerId,
    invite,
    stop: async () => {
      if (child.exitCode == null) child.kill('SIGTERM')
      await exited
    }
  }
}

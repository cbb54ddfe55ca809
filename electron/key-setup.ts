import { dialog, safeStorage } from 'electron'
import { askDialog, planKey } from './key-policy.js'
import { readStoredKey } from './key-file.js'
import { keystoreStatus } from './keystore-service.js'
import { askPassphrase } from './passphrase-prompt.js'
import type { KeySource } from './control-protocol.js'
import type { PromptPage } from './passphrase-prompt.js'

/**
 * Decides how the engine gets its database key, asking the user when that
 * is theirs to decide. Undefined means quit: the user chose to, or the key
 * cannot be opened here. There is no path to an unprotected key.
 */
export async function chooseKeySource (dataDir: string, prompt: PromptPage, wrongBefore: boolean): Promise<KeySource | undefined> {
  const plan = planKey(readStoredKey(dataDir), await keystoreStatus(safeStorage, process.platform))
  switch (plan.use) {
    case 'safe-storage':
      return { mode: 'safe-storage' }
    case 'passphrase':
      return await passphraseSource(prompt, plan.isNew ? 'new' : 'unlock', wrongBefore)
    case 'ask': {
      const words = askDialog(plan.problem)
      const { response } = await dialog.showMessageBox({
        type: 'warning', title: 'Parley', message: words.title, detail: words.detail, buttons: words.buttons, defaultId: 0, cancelId: 1, noLink: true
      })
      return response === 0 ? await passphraseSource(prompt, 'new', false) : undefined
    }
    case 'stop':
      await dialog.showMessageBox({ type: 'error', title: 'Parley', message: plan.title, detail: plan.detail, buttons: ['Quit'], noLink: true })
      return undefined
  }
}

async function passphraseSource (prompt: PromptPage, mode: 'new' | 'unlock', retry: boolean): Promise<KeySource | undefined> {
  const passphrase = await askPassphrase(prompt, mode, retry)
  return passphrase == null ? undefined : { mode: 'passphrase', passphrase }
}

import { existsSync, readFileSync, readdirSync } from 'node:fs'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { afterEach, describe, expect, it } from 'vitest'
import { Engine } from '../../core/host/engine.js'
import { ParleyDatabase } from '../../core/store/database.js'
import { PassphraseKeyWrapper, keyFileSchema } from '../../core/store/key-wrapper.js'
import { MessagesRepository } from '../../core/store/messages-repo.js'
import { runToExit } from '../helpers/child.js'
import { downgradeToLibsql, isLibsqlFile } from '../helpers/legacy-store.js'
import { tempDir } from '../helpers/temp.js'

// The compiled module: `npm test` builds first.
const DATABASE_MODULE = fileURLToPath(new URL('../../dist/core/store/database.js', import.meta.url))
const KEY_WRAPPER_MODULE = fileURLToPath(new URL('../../dist/core/store/key-wrapper.js', import.meta.url))
const CHEAP = { N: 2 ** 10, r: 8, p: 1 }
const wrapper = (): PassphraseKeyWrapper => new PassphraseKeyWrapper('pw', CHEAP)

const dirs: Array<{ remove: () => void }> = []
afterEach(() => { for (const d of dirs.splice(0)) d.remove() })

interface Legacy { dir: string, peerId: string, key: Uint8Array }

/** A data dir made by today's code, with history, then turned back into the libsql layout. */
async function legacyDataDir (): Promise<Legacy> {
  const temp = tempDir('parley-legacy')
  dirs.push(temp)
  const dir = join(temp.path, 'data')
  const peerId = await Engine.init(dir, wrapper(), 'Ana')
  const db = await ParleyDatabase.open(dir, wrapper())
  await db.write(() => {
    db.sql.prepare("INSERT INTO contacts (peer_id, name, identity_key, state, created_at) VALUES ('peer', 'Bo', x'05', 'accepted', 0)").run()
    db.sql.prepare("INSERT INTO conversations (id, peer_id, created_at) VALUES ('conv', 'peer', 0)").run()
    const message = db.sql.prepare(`INSERT INTO messages (id, conversation_id, sender, outgoing, seq, prev_hash, content_hash, content, body_text, sent_at, received_at, status)
      VALUES (?, 'conv', 'peer', 0, ?, x'00', x'00', x'00', ?, ?, ?, 'received')`)
    message.run('m1', 1, 'Le café est prêt', 1000, 1001)
    message.run('m2', 2, 'see you tomorrow', 2000, 2001)
  })
  await db.close()
  const key = await wrapper().unwrap(keyFileSchema.parse(JSON.parse(readFileSync(join(dir, 'key.json'), 'utf8'))))
  downgradeToLibsql(dir, key)
  expect(isLibsqlFile(join(dir, 'parley.db'), key)).toBe(true)
  return { dir, peerId, key }
}

/** Opens the directory and checks that everything the legacy file held is there, in SQLCipher. */
async function expectMigrated ({ dir, peerId, key }: Legacy): Promise<void> {
  const db = await ParleyDatabase.open(dir, wrapper())
  try {
    const identity = db.sql.prepare('SELECT display_name FROM identity').get() as { display_name: string }
    expect(identity.display_name).toBe('Ana')
    const messages = new MessagesRepository(db)
    expect(messages.search('cafe', 10).map(r => r.id)).toEqual(['m1'])
    expect((db.sql.prepare('SELECT count(*) AS n FROM messages').get() as { n: number }).n).toBe(2)
    expect((db.sql.prepare('SELECT count(*) AS n FROM signal_prekeys').get() as { n: number }).n).toBeGreaterThan(0)
  } finally {
    await db.close()
  }
  expect(keyFileSchema.parse(JSON.parse(readFileSync(join(dir, 'key.json'), 'utf8'))).store).toBe('sqlcipher4')
  expect(isLibsqlFile(join(dir, 'parley.db'), key)).toBe(false)
  expect(readdirSync(dir).filter(f => f.startsWith('parley.db')).sort()).toEqual(['parley.db'])
  // The identity is the one made before the move.
  const engine = await Engine.start({ dataDir: dir, wrapper: wrapper(), preset: 'sim', listen: ['/ip4/127.0.0.1/tcp/0'] })
  try {
    expect(engine.peerId).toBe(peerId)
  } finally {
    await engine.stop()
  }
}

describe('moving a libsql database to SQLCipher', () => {
  it('migrates once, in place, keeping every row and the identity', async () => {
    const legacy = await legacyDataDir()
    await expectMigrated(legacy)
    // Opening again changes nothing: the marker in key.json says it is done.
    await expectMigrated(legacy)
  })

  for (const point of ['legacy-store:copied', 'legacy-store:old-aside', 'legacy-store:swapped', 'legacy-store:marked']) {
    it(`recovers from a crash at ${point}`, async () => {
      const legacy = await legacyDataDir()
      const script = `const [{ ParleyDatabase }, { PassphraseKeyWrapper }] = await Promise.all([import(${JSON.stringify(DATABASE_MODULE)}), import(${JSON.stringify(KEY_WRAPPER_MODULE)})])
        const db = await ParleyDatabase.open(${JSON.stringify(legacy.dir)}, new PassphraseKeyWrapper('pw', ${JSON.stringify(CHEAP)}))
        await db.close()`
      const crashed = await runToExit(process.execPath, ['--input-type=module', '-e', script], { env: { ...process.env, PARLEY_FAULT_POINT: point } })
      // Killed at the fault point, not finished and not failed.
      expect(crashed.status, crashed.stderr).toBeNull()
      expect(existsSync(join(legacy.dir, 'parley.db')) || existsSync(join(legacy.dir, 'parley.db.libsql-old'))).toBe(true)
      await expectMigrated(legacy)
    })
  }
})

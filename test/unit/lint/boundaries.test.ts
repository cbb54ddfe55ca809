import { rmSync, writeFileSync } from 'node:fs'
import { fileURLToPath } from 'node:url'
import { ESLint } from 'eslint'
import { describe, expect, it } from 'vitest'

const ROOT = fileURLToPath(new URL('../../../', import.meta.url))

/** Lints a throwaway file placed inside the layer under test, then removes it. */
async function lintProbe (relativePath: string, source: string): Promise<string[]> {
  const path = `${ROOT}${relativePath}`
  writeFileSync(path, source)
  try {
    const [result] = await new ESLint({ cwd: ROOT }).lintFiles([path])
    return result.messages.map(m => `${m.ruleId ?? ''}: ${m.message}`)
  } finally {
    rmSync(path, { force: true })
  }
}

describe('layer boundaries (docs/architecture.md) are lint errors', () => {
  it('core/ may not import Electron, React, electron/ or renderer/', async () => {
    const messages = await lintProbe('core/__boundary_probe__.ts', [
      "import { app } from 'electron'",
      "import { useState } from 'react'",
      "import { x } from '../renderer/app.js'",
      'export const probe = [app, useState, x]',
      ''
    ].join('\n'))
    expect(messages.filter(m => m.startsWith('no-restricted-imports'))).toHaveLength(3)
  })

  it('core/ may not touch DOM globals', async () => {
    const messages = await lintProbe('core/__dom_probe__.ts', 'export const title = document.title\n')
    expect(messages.some(m => m.startsWith('no-restricted-globals'))).toBe(true)
  })

  it('core/api may not import Node, ws, libp2p or other core/ folders', async () => {
    const messages = await lintProbe('core/api/__api_probe__.ts', [
      "import { readFileSync } from 'node:fs'",
      "import { createHash } from 'crypto'",
      "import { WebSocket } from 'ws'",
      "import { tcp } from '@libp2p/tcp'",
      "import { toHex } from '../bytes.js'",
      "import { errorMessage } from '../errors.js'",
      "import { RpcError } from './rpc-errors.js'",
      'export const probe = [readFileSync, createHash, WebSocket, tcp, toHex, errorMessage, RpcError, process.pid]',
      ''
    ].join('\n'))
    expect(messages.filter(m => m.startsWith('no-restricted-imports'))).toHaveLength(5)
    expect(messages.filter(m => m.startsWith('no-restricted-globals'))).toHaveLength(1)
  })

  it('core/api may import the wire limits (plain constants) but nothing else of core/wire', async () => {
    const messages = await lintProbe('core/api/__limits_probe__.ts', [
      "import { MAX_TEXT_BYTES } from '../wire/limits.js'",
      "import { readOneFrame } from '../wire/frames.js'",
      'export const probe = [MAX_TEXT_BYTES, readOneFrame]',
      ''
    ].join('\n'))
    const restricted = messages.filter(m => m.startsWith('no-restricted-imports'))
    expect(restricted).toHaveLength(1)
    expect(restricted[0]).toContain("'../wire/frames.js'")
  })

  it('a clean core/ module passes', async () => {
    const messages = await lintProbe('core/__clean_probe__.ts', "import { toHex } from './bytes.js'\nexport const probe = toHex(new Uint8Array(1))\n")
    expect(messages).toEqual([])
  })
})

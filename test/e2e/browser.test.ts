import { mkdirSync } from 'node:fs'
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { contentSecurityPolicy } from '../../core/api/csp.js'
import { tempDir } from '../helpers/temp.js'
import { Network, SCREENSHOTS, ensureBuilt, launchChromium } from './harness.js'
import type { Child } from '../helpers/child.js'
import type { Browser, BrowserContext, Locator, Page } from 'playwright-core'

/**
 * Browser mode end to end: a relay and two `parley daemon --ui` on
 * 127.0.0.1, each driven by a person in Debian's Chromium through the UI's
 * accessible names only. Screenshots of every screen go to test/e2e/screenshots/.
 */
const env: NodeJS.ProcessEnv = { ...process.env, PARLEY_PASSPHRASE: 'correct horse battery staple' }
delete env.PARLEY_DATA

const root = tempDir('parley-e2e')
const network = new Network(root.path, env)
let browser: Browser | undefined
const contexts: BrowserContext[] = []

/**
 * Everything a page did that a test must never see: dialogs (an XSS), script
 * errors, CSP violations; and every console line, which must never hold the
 * API token. A WebSocket that cannot connect (the daemon is down) is logged
 * by Chromium itself: those lines are kept apart.
 */
interface Watch { dialogs: string[], errors: string[], console: string[], socketFailures: string[] }

function newWatch (): Watch {
  return { dialogs: [], errors: [], console: [], socketFailures: [] }
}

/** Marks the one CSP violation a test provokes on purpose. */
const CSP_PROBE = 'iVBORw0KGgoCSPPROBE'

const XSS_IMG = '<img src=x onerror=alert(1)>'
const XSS_LINK = 'javascript:alert(1)'
const XSS_MARKDOWN = '[click me](javascript:alert(1))'

beforeAll(async () => {
  mkdirSync(SCREENSHOTS, { recursive: true })
  await ensureBuilt()
  await network.startRelay()
  browser = await launchChromium()
}, 120_000)

afterAll(async () => {
  for (const context of contexts) await context.close().catch(() => {})
  await browser?.close()
  await network.stopAll()
  root.remove()
})

async function openPage (url: string, watch: Watch): Promise<Page> {
  if (browser == null) throw new Error('no browser')
  const context = await browser.newContext({ viewport: { width: 1280, height: 800 }, colorScheme: 'light' })
  contexts.push(context)
  await context.grantPermissions(['clipboard-read', 'clipboard-write'], { origin: new URL(url).origin })
  const page = await context.newPage()
  page.on('dialog', dialog => {
    watch.dialogs.push(`${dialog.type()}: ${dialog.message()}`)
    void dialog.dismiss()
  })
  page.on('pageerror', err => { watch.errors.push(`pageerror: ${err.message}`) })
  page.on('console', message => {
    const text = message.text()
    watch.console.push(text)
    // A failed load is recorded with its URL below.
    if (message.type() !== 'error' || text.startsWith('Failed to load resource') || text.includes(CSP_PROBE)) return
    if (text.startsWith('WebSocket connection to')) watch.socketFailures.push(text)
    else watch.errors.push(`console: ${text}`)
  })
  page.on('response', response => {
    if (response.status() >= 400) watch.errors.push(`${response.status()} ${new URL(response.url()).pathname}`)
  })
  const response = await page.goto(url)
  const headers = response?.headers() ?? {}
  // The app's one policy (core/api/csp.ts): as the daemon's header, and as the build's <meta>.
  expect(headers['content-security-policy']).toBe(contentSecurityPolicy({ target: 'daemon', port: Number(new URL(url).port) }))
  expect(await page.locator('meta[http-equiv="Content-Security-Policy"]').getAttribute('content')).toBe(contentSecurityPolicy({ target: 'meta' }))
  expect(headers['x-content-type-options']).toBe('nosniff')
  await page.getByTestId('app').waitFor()
  return page
}

async function shot (page: Page, name: string): Promise<void> {
  await page.screenshot({ path: join(SCREENSHOTS, `${name}.png`) })
}

/** Onboards a fresh device and returns its invite code, read from the screen. */
async function onboard (page: Page, name: string, screenshots: boolean): Promise<string> {
  await page.getByRole('textbox', { name: 'Display name' }).fill(name)
  if (screenshots) await shot(page, '01-onboarding')
  await page.getByRole('button', { name: 'Create identity' }).click()
  const invite = page.getByLabel('Your invite code')
  await invite.waitFor({ timeout: 30_000 })
  const code = await invite.evaluate(el => el instanceof HTMLTextAreaElement || el instanceof HTMLInputElement ? el.value : el.textContent ?? '')
  expect(code.trim()).toMatch(/^parley:\S+$/)
  await page.getByRole('button', { name: 'Copy invite' }).click()
  expect(await page.evaluate(async () => await navigator.clipboard.readText())).toBe(code.trim())
  if (screenshots) await shot(page, '02-invite')
  return code.trim()
}

/** Adds a contact through the dialog that `opener` (a button's name) opens. */
async function addContact (page: Page, opener: string, invite: string, name: string): Promise<void> {
  await page.getByRole('button', { name: opener }).click()
  await page.getByRole('textbox', { name: 'Invite code' }).fill(invite)
  await page.getByRole('textbox', { name: 'Contact name' }).fill(name)
  await page.getByRole('button', { name: 'Add', exact: true }).click()
  await conversationButton(page, name).waitFor()
}

function conversationButton (page: Page, name: string): Locator {
  return page.getByRole('list', { name: 'Conversations' }).getByRole('button', { name: new RegExp(`^${name}`) })
}

async function openConversation (page: Page, name: string): Promise<Locator> {
  await conversationButton(page, name).click()
  await page.getByRole('heading', { name }).waitFor()
  return page.getByRole('log', { name: 'Messages' })
}

async function send (page: Page, text: string): Promise<void> {
  const box = page.getByRole('textbox', { name: 'Message' })
  await box.fill(text)
  await page.getByRole('button', { name: 'Send' }).click()
  await expect.poll(async () => await box.inputValue()).toBe('')
}

function messageItem (log: Locator, text: string): Locator {
  return log.getByRole('listitem').filter({ hasText: text })
}

async function statusOf (log: Locator, text: string): Promise<string | null> {
  const status = messageItem(log, text).locator('[data-status]')
  return await status.count() === 0 ? null : await status.first().getAttribute('data-status')
}

/** What the second test picks up from the first: two onboarded people in a conversation. */
interface Chat { alicePage: Page, bobPage: Page, aliceWatch: Watch, bobWatch: Watch, alice: { daemon: Child, ui: string } }
let chat: Chat | undefined

/**
 * The x position of each letter of `word` (spaces skipped) where it is drawn
 * inside `element`: increasing when the word reads left to right as written.
 */
async function letterPositions (element: Locator, word: string): Promise<number[]> {
  return await element.evaluate((root, wanted) => {
    const walker = document.createTreeWalker(root, NodeFilter.SHOW_TEXT)
    for (let node = walker.nextNode(); node != null; node = walker.nextNode()) {
      const text = node.textContent ?? ''
      const at = text.indexOf(wanted)
      if (at < 0) continue
      const xs: number[] = []
      for (let i = 0; i < wanted.length; i++) {
        if (wanted[i] === ' ') continue
        const range = document.createRange()
        range.setStart(node, at + i)
        range.setEnd(node, at + i + 1)
        xs.push(range.getBoundingClientRect().left)
      }
      return xs
    }
    throw new Error(`"${wanted}" is not in one text node of the element`)
  }, word)
}

function readsLeftToRight (xs: number[]): boolean {
  return xs.length > 1 && xs.every((x, i) => i === 0 || x > (xs[i - 1] ?? Infinity))
}

describe('browser mode in Chromium', () => {
  it('onboards two people who exchange invites, chat both ways, survive a restart, and render hostile text inertly', async () => {
    const alice = await network.startDaemon('alice')
    let bob = await network.startDaemon('bob')
    expect(alice.ui).toMatch(/^http:\/\/127\.0\.0\.1:\d+\/#token=[\w-]{43}$/)
    const bobToken = new URL(bob.ui).hash.replace('#token=', '')
    await Promise.all([alice.daemon.line('onboarding'), bob.daemon.line('onboarding')])

    const aliceWatch = newWatch()
    const bobWatch = newWatch()
    const alicePage = await openPage(alice.ui, aliceWatch)
    const bobPage = await openPage(bob.ui, bobWatch)
    // The token leaves the address bar at once (history, screen shares).
    expect(alicePage.url()).not.toContain('token')

    const aliceInvite = await onboard(alicePage, 'Alice', true)
    const bobInvite = await onboard(bobPage, 'Bob', false)
    await Promise.all([alice.daemon.line('ready '), bob.daemon.line('ready ')])

    await addContact(bobPage, 'Add contact', aliceInvite, 'Alice')
    await addContact(alicePage, 'Paste an invite', bobInvite, 'Bob')

    // Bob → Alice, then Alice → Bob: each side sees "delivered" for its own message.
    const bobLog = await openConversation(bobPage, 'Alice')
    await send(bobPage, 'hello Alice, from the browser')
    await expect.poll(async () => await statusOf(bobLog, 'hello Alice'), { timeout: 30_000 }).toBe('delivered')
    const aliceLog = await openConversation(alicePage, 'Bob')
    await messageItem(aliceLog, 'hello Alice, from the browser').waitFor()
    await send(alicePage, 'hi Bob! delivered?')
    await expect.poll(async () => await statusOf(aliceLog, 'hi Bob!'), { timeout: 30_000 }).toBe('delivered')
    await messageItem(bobLog, 'hi Bob! delivered?').waitFor()
    expect(await statusOf(aliceLog, 'hello Alice')).toBeNull() // theirs carry no delivery status
    await shot(alicePage, '04-conversation')
    await conversationButton(bobPage, 'Alice').waitFor()
    await shot(bobPage, '03-chat-list')

    // Hostile text arrives as text: no element, no dialog, no javascript: link.
    const hostile = `${XSS_IMG} and ${XSS_LINK} and ${XSS_MARKDOWN}`
    await send(alicePage, hostile)
    await messageItem(bobLog, 'onerror=alert(1)').waitFor({ timeout: 30_000 })
    for (const log of [aliceLog, bobLog]) {
      expect(await messageItem(log, 'onerror=alert(1)').innerText()).toContain(XSS_IMG)
      expect(await log.locator('img').count()).toBe(0)
      expect(await log.locator('a[href^="javascript:" i]').count()).toBe(0)
    }
    for (const page of [alicePage, bobPage]) {
      // Nowhere on the page either (the conversation list shows a preview of it).
      expect(await page.locator('img[src="x"], [onerror]').count()).toBe(0)
    }
    await bobPage.waitForTimeout(300) // an onerror handler would fire within a frame or two
    await shot(bobPage, '05-hostile-text')

    // The search box finds a message.
    const search = bobPage.getByRole('searchbox', { name: 'Search messages' })
    await search.fill('deliv')
    const hits = bobPage.getByRole('list', { name: 'Search results' }).getByRole('button')
    await hits.first().waitFor()
    expect(await hits.allInnerTexts()).toEqual([expect.stringContaining('hi Bob! delivered?')])
    await shot(bobPage, '06-search')
    await search.fill('')

    // Contact info and its safety number.
    await alicePage.getByRole('button', { name: 'Contact info' }).click()
    await alicePage.getByText('Safety number').first().waitFor()
    await shot(alicePage, '07-contact-safety-number')

    await alicePage.getByRole('button', { name: 'Network' }).click()
    await shot(alicePage, '08-network')

    await alicePage.getByRole('button', { name: 'Settings' }).click()
    await shot(alicePage, '09-settings')

    // The theme setting, not the system's: the page follows what the engine stores.
    const dark = alicePage.getByRole('radio', { name: 'Dark' })
    await dark.click() // not check(): the radio turns on only once the engine has stored the setting
    await expect.poll(async () => await dark.isChecked()).toBe(true)
    await openConversation(alicePage, 'Bob')
    await shot(alicePage, '10-dark')
    await alicePage.setViewportSize({ width: 800, height: 600 })
    await shot(alicePage, '11-800x600')

    // Bob's daemon stops. "Try again" while it is down fails, without printing the token anywhere.
    await bob.daemon.kill('SIGTERM')
    expect((await bob.daemon.exited).code).toBe(0)
    await bobPage.getByRole('alert').waitFor()
    await shot(bobPage, '12-connection-lost')
    await bobPage.getByRole('button', { name: 'Try again' }).click()
    await bobPage.getByText('The engine did not accept this page’s connection').waitFor()
    await expect.poll(() => bobWatch.socketFailures.length).toBeGreaterThan(0)
    // It comes back with the same token on the same port (no --api-port): a plain reload of the tab works.
    const oldUi = bob.ui
    bob = await network.startDaemon('bob')
    expect(bob.ui).toBe(oldUi)
    await bob.daemon.line('ready ')
    expect((await bobPage.reload())?.status()).toBe(200)
    const bobLogAgain = await openConversation(bobPage, 'Alice')
    await messageItem(bobLogAgain, 'hi Bob! delivered?').waitFor()
    expect(await statusOf(bobLogAgain, 'hello Alice')).toBe('delivered')
    await send(bobPage, 'back after a restart')
    await expect.poll(async () => await statusOf(bobLogAgain, 'back after a restart'), { timeout: 30_000 }).toBe('delivered')
    await messageItem(aliceLog, 'back after a restart').waitFor()

    expect(aliceWatch.dialogs).toEqual([])
    expect(bobWatch.dialogs).toEqual([])
    expect(aliceWatch.errors).toEqual([])
    expect(bobWatch.errors).toEqual([])
    expect(aliceWatch.socketFailures).toEqual([])
    // The socket failures name the address, and no console line names a token.
    expect(bobWatch.socketFailures.every(line => line.includes('/rpc'))).toBe(true)
    for (const line of [...aliceWatch.console, ...bobWatch.console]) expect(line).not.toContain(bobToken)
    chat = { alicePage, bobPage, aliceWatch, bobWatch, alice }
  }, 150_000)

  it('isolates bidi text, shows the real order of overridden letters, fits the status line, and blocks data: images', async () => {
    if (chat == null) throw new Error('needs the conversation of the test above')
    const { alicePage, bobPage, aliceWatch, bobWatch, alice } = chat
    await alicePage.setViewportSize({ width: 1280, height: 800 })

    // Bob sends Arabic, and a file name with a right-to-left override in it.
    const arabic = 'مرحبا يا أليس، كيف حالك؟'
    const spoof = 'invoice_\u202etxt.exe'
    await send(bobPage, arabic)
    await send(bobPage, spoof)
    const aliceLog = await openConversation(alicePage, 'Bob')
    const arabicText = messageItem(aliceLog, 'مرحبا').locator('.message-text')
    await arabicText.waitFor({ timeout: 30_000 })
    expect(await arabicText.evaluate(el => getComputedStyle(el).direction)).toBe('rtl')
    const spoofText = messageItem(aliceLog, 'invoice_').locator('.message-text')
    await spoofText.waitFor({ timeout: 30_000 })
    // It reads as what it is, a .exe: the override does not reorder what is shown.
    expect(readsLeftToRight(await letterPositions(spoofText, 'txt.exe'))).toBe(true)
    const preview = alicePage.getByRole('list', { name: 'Conversations' }).locator('.conversation-preview')
    // The list updates on its own event: wait until it previews the newest message.
    await preview.filter({ hasText: 'txt.exe' }).waitFor({ timeout: 30_000 })
    expect(readsLeftToRight(await letterPositions(preview, 'txt.exe'))).toBe(true)

    // Alice names Bob with an override: the sentence around his name still reads left to right.
    await alicePage.getByRole('button', { name: 'Contact info' }).click()
    await alicePage.getByRole('button', { name: 'Rename' }).click()
    await alicePage.getByRole('textbox', { name: 'New name' }).fill('Bob \u202eevil')
    await alicePage.getByRole('button', { name: 'Save name' }).click()
    await alicePage.getByRole('heading', { name: 'Bob evil' }).waitFor()
    const sentence = alicePage.getByTestId('safety-number').getByText('in person or on a call you trust')
    expect(readsLeftToRight(await letterPositions(sentence, 'in person or on a call you trust'))).toBe(true)
    await shot(alicePage, '13-bidi')

    // The network status fits beside nothing: its longest wording is not cut off, wide or narrow.
    for (const width of [1280, 800]) {
      await alicePage.setViewportSize({ width, height: 700 })
      const cut = await alicePage.locator('.network-summary-text').evaluate(element => {
        // A stand-in with the longest wording, in the same place (the real one depends on the network).
        const probe = element.cloneNode() as HTMLElement
        probe.textContent = 'No peers connected'
        const shown = element as HTMLElement
        shown.style.display = 'none'
        element.after(probe)
        const overflows = probe.scrollWidth > probe.clientWidth
        probe.remove()
        shown.style.display = ''
        return overflows
      })
      expect(cut, `${width} px`).toBe(false)
    }

    // The policy forbids data: images: a probe is blocked and reported.
    const violation = await alicePage.evaluate(async marker => await new Promise<string>(resolve => {
      document.addEventListener('securitypolicyviolation', event => { resolve(event.effectiveDirective) }, { once: true })
      const image = document.createElement('img')
      image.src = `data:image/png;base64,${marker}`
      document.body.append(image)
      setTimeout(() => { image.remove(); resolve('none') }, 2000)
    }), CSP_PROBE)
    expect(violation).toBe('img-src')

    expect(aliceWatch.errors).toEqual([])
    expect(bobWatch.errors).toEqual([])
    expect(aliceWatch.dialogs).toEqual([])
    const aliceToken = new URL(alice.ui).hash.replace('#token=', '')
    for (const line of aliceWatch.console) expect(line).not.toContain(aliceToken)
  }, 90_000)
})

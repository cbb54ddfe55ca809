import { mkdirSync } from 'node:fs'
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { tempDir } from '../helpers/temp.js'
import { freePort } from '../helpers/ports.js'
import { Network, SCREENSHOTS, ensureBuilt, launchChromium } from './harness.js'
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

/** Everything a page did that a test must never see: dialogs (an XSS), script errors, CSP violations. */
interface Watch { dialogs: string[], errors: string[] }

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
    // A failed load is recorded with its URL below.
    if (message.type() === 'error' && !message.text().startsWith('Failed to load resource')) watch.errors.push(`console: ${message.text()}`)
  })
  page.on('response', response => {
    if (response.status() >= 400) watch.errors.push(`${response.status()} ${new URL(response.url()).pathname}`)
  })
  const response = await page.goto(url)
  const headers = response?.headers() ?? {}
  expect(headers['content-security-policy']).toContain("script-src 'self'")
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

describe('browser mode in Chromium', () => {
  it('onboards two people who exchange invites, chat both ways, survive a restart, and render hostile text inertly', async () => {
    const bobPort = await freePort()
    const alice = await network.startDaemon('alice')
    let bob = await network.startDaemon('bob', bobPort)
    expect(alice.ui).toMatch(/^http:\/\/127\.0\.0\.1:\d+\/#token=[\w-]{43}$/)
    expect(bob.ui.startsWith(`http://127.0.0.1:${bobPort}/#token=`)).toBe(true)
    await Promise.all([alice.daemon.line('onboarding'), bob.daemon.line('onboarding')])

    const aliceWatch: Watch = { dialogs: [], errors: [] }
    const bobWatch: Watch = { dialogs: [], errors: [] }
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

    // Bob's daemon restarts on the same port with a new token; the history is still there.
    await bob.daemon.kill('SIGTERM')
    expect((await bob.daemon.exited).code).toBe(0)
    await bobPage.getByRole('alert').waitFor()
    await shot(bobPage, '12-connection-lost')
    bob = await network.startDaemon('bob', bobPort)
    await bob.daemon.line('ready ')
    // The new address differs only in its fragment, so opening it is no load: reload, as a person would.
    await bobPage.goto(bob.ui)
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
  }, 120_000)
})

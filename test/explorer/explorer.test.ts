/**
 * The explorer page in a real browser: the headless Chromium that `@sparticuz/chromium` ships
 * inside its npm package, driven by `puppeteer-core`, against a real mining node. The pages
 * render, live heads arrive, search finds a block, a transaction and a contract, and a
 * participant named `<img src=x onerror=alert(1)>`, event data and state holding `<script>`
 * appear as text with no dialog raised and no element injected. Screenshots of the main pages
 * are kept under a temporary directory named in the test's output.
 *
 * If the browser cannot start here, the test fails with the reason: it never skips.
 */
import { test } from 'node:test'
import assert from 'node:assert/strict'
import { randomBytes } from 'node:crypto'
import { request } from 'node:http'
import { mkdtemp, stat } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import chromium from '@sparticuz/chromium'
import puppeteer, { type Page } from 'puppeteer-core'
import { unlockIdentity } from '../../src/client/accounts.js'
import { publicKeyOf } from '../../src/crypto/ed25519.js'
import { formatParticipantId, participantIdOf } from '../../src/crypto/identity.js'
import { GOOD_PASSWORD } from '../helpers/cli.js'
import { startNode, waitFor } from '../helpers/node.js'

const STEP_TIMEOUT_MS = 90_000
const XSS_NAME = '<img src=x onerror=alert(1)>'
const XSS_DATA = '<script>alert(2)</script>'
const CONTRACT = `export function init() {
  state.set('<b>key</b>', '${XSS_DATA}')
  emit('Note', { text: '${XSS_DATA}' })
}
export function get() { return 1 }`

/** The little of the browser's DOM that the page functions below use (they run in the page, not here). */
declare const document: {
  querySelector(selector: string): { textContent: string | null } | null
  querySelectorAll(selector: string): { length: number }
}

/** Searches the explorer for `query` and waits for the page whose heading matches `heading`. */
async function searchFor(page: Page, query: string, heading: RegExp): Promise<void> {
  await page.$eval('#query', (input, value) => ((input as unknown as { value: string }).value = value), query)
  await page.click('#search button')
  await page.waitForFunction((source) => new RegExp(source).test(document.querySelector('main h2')?.textContent ?? ''), { timeout: STEP_TIMEOUT_MS }, heading.source)
}

/** The text of the first element matching `selector` ('' when there is none). */
function textOf(page: Page, selector: string): Promise<string> {
  return page.evaluate((query) => document.querySelector(query)?.textContent ?? '', selector)
}

function statusWithHost(url: URL, host: string): Promise<number> {
  return new Promise((resolve, reject) => {
    const req = request({ host: url.hostname, port: url.port, path: url.pathname, headers: { host } }, (response) => {
      response.resume()
      resolve(response.statusCode ?? 0)
    })
    req.on('error', reject)
    req.end()
  })
}

test('the explorer renders the chain in a real browser, live, searchable, and shows hostile values as text', async (t) => {
  const node = await startNode(t, { mine: true })
  assert.ok(node.info.explorer !== undefined, 'node.json names the explorer')
  const explorerUrl = new URL(node.info.explorer)
  assert.equal(await statusWithHost(explorerUrl, `rebound.example:${explorerUrl.port}`), 403, 'DNS rebinding refused')
  await waitFor('registration', async () => ((await node.client.getNonce(node.id)).registered ? true : undefined), STEP_TIMEOUT_MS)

  // A participant whose name is markup, and a contract whose event and state hold a script.
  const secretKey = new Uint8Array(randomBytes(32))
  const hostile = { id: formatParticipantId(participantIdOf(publicKeyOf(secretKey))), secretKey }
  await node.client.send(hostile, { kind: 'participant', name: XSS_NAME }, { wait: true, timeoutMs: STEP_TIMEOUT_MS })
  const account = await unlockIdentity(node.datadir, GOOD_PASSWORD)
  const deployed = await node.client.send(account, { kind: 'contract-deploy', code: CONTRACT }, { wait: true, timeoutMs: STEP_TIMEOUT_MS })
  account.secretKey.fill(0)
  const contract = deployed.included?.receipt?.contract
  assert.ok(typeof contract === 'string')

  // The machine's locale may be C.UTF-8, which Chromium turns into the tag `en-US@posix` that
  // Intl (and so uPlot) refuses: the browser is given a real language.
  const browser = await puppeteer.launch({ executablePath: await chromium.executablePath(), args: [...chromium.args, '--lang=en-US'], env: { ...process.env, LANG: 'en_US.UTF-8' }, headless: true })
  t.after(() => browser.close())
  const page = await browser.newPage()
  page.setDefaultTimeout(STEP_TIMEOUT_MS)
  await page.setViewport({ width: 1200, height: 900 })
  const dialogs: string[] = []
  const pageErrors: string[] = []
  page.on('dialog', (dialog) => {
    dialogs.push(dialog.message())
    void dialog.dismiss()
  })
  page.on('pageerror', (error) => pageErrors.push(String(error)))
  const screenshots = await mkdtemp(join(tmpdir(), 'chain-explorer-screenshots-'))
  t.diagnostic(`screenshots in ${screenshots}`)
  const shoot = async (name: string): Promise<void> => {
    const path = join(screenshots, `${name}.png`)
    await page.screenshot({ path, fullPage: true })
    assert.ok((await stat(path)).size > 1000, `${name}.png was written`)
  }

  // Home: status, the chart, the latest blocks; a new head arrives without a reload.
  await page.goto(explorerUrl.href)
  await page.waitForSelector('#blocks tbody tr')
  await page.waitForSelector('#chart canvas')
  const firstHeight = Number(await textOf(page, '#head-height'))
  assert.ok(firstHeight >= 1)
  await page.waitForFunction((height) => Number(document.querySelector('#head-height')?.textContent) > height, { timeout: STEP_TIMEOUT_MS }, firstHeight)
  await page.waitForFunction((height) => document.querySelector('#blocks tbody tr td a')?.textContent === document.querySelector('#head-height')?.textContent && Number(document.querySelector('#head-height')?.textContent) > height, { timeout: STEP_TIMEOUT_MS }, firstHeight)
  assert.match(await textOf(page, '#live'), /live/)
  await shoot('home')

  // Search: a height, a transaction hash, a contract address, a participant id.
  await searchFor(page, '1', /^Block 1$/)
  assert.ok((await page.$$('#transactions li a')).length >= 1, 'block 1 has the registration')
  await shoot('block')

  await searchFor(page, deployed.hash, /^Transaction /)
  const eventsText = await textOf(page, '.events')
  assert.ok(eventsText.includes(XSS_DATA), 'the event data is shown, as text')
  await shoot('transaction')

  await searchFor(page, contract, /^Contract /)
  assert.match(await textOf(page, '#code'), /emit\('Note'/)
  const storageText = await textOf(page, '#storage')
  assert.ok(storageText.includes('<b>key</b>') && storageText.includes(XSS_DATA), 'state keys and values are shown as text')
  await shoot('contract')

  await searchFor(page, hostile.id, /^Participant$/)
  assert.equal(await textOf(page, '#participant-name'), XSS_NAME)
  await shoot('participant')

  // Nothing of the hostile values became markup, and nothing ran.
  assert.equal(await page.evaluate(() => document.querySelectorAll('img').length), 0)
  assert.equal(await page.evaluate(() => document.querySelectorAll('main script, main b, main i').length), 0)
  assert.deepEqual(dialogs, [])
  assert.deepEqual(pageErrors, [])
})

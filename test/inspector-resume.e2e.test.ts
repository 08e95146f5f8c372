/**
 * "Resume" (`?resume=1`): the page's connection speaks heartline/resume to the
 * demo server's resumable endpoint. Messages sent before a TCP drop and while
 * reconnecting are each echoed exactly once, in order; the timeline shows the
 * hello and the resumed welcome, seq numbers, acks and the replayed messages.
 */
import { mkdirSync } from 'node:fs'
import type { Browser, Page } from 'playwright-core'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import type { InspectorServer } from '../inspector/server.js'
import { startBuiltInspector } from './helpers/built-inspector.js'
import { launchChromium } from './helpers/chromium.js'
import { FAST_TIMINGS } from './helpers/inspector-page.js'

const SHOTS = 'test-results'
mkdirSync(SHOTS, { recursive: true })

let server: InspectorServer
let browser: Browser
let page: Page
const pageErrors: string[] = []

// A reconnect delay long enough to send while the link is down.
const TIMINGS = new URLSearchParams(FAST_TIMINGS)
TIMINGS.set('reconnect.initialDelay', '800')
TIMINGS.set('reconnect.maxDelay', '800')

beforeAll(async () => {
  server = await startBuiltInspector()
  browser = await launchChromium()
  page = await browser.newPage({ viewport: { width: 1280, height: 800 } })
  page.on('pageerror', (error) => pageErrors.push(error.message))
}, 60_000)

afterAll(async () => {
  await browser?.close()
  await server?.close()
})

type Win = {
  __inspector: { connection(): EventTarget }
  __echoes: string[]
}

function rows(kind: string): Promise<string[]> {
  return page.$$eval(`#timeline .kind-${kind}`, (li) => li.map((r) => r.textContent ?? ''))
}

async function waitForRow(kind: string, pattern: RegExp): Promise<void> {
  await page.waitForFunction(
    ({ kind, source }) =>
      [...document.querySelectorAll(`#timeline .kind-${kind}`)].some((li) =>
        new RegExp(source).test(li.textContent ?? ''),
      ),
    { kind, source: pattern.source },
    { polling: 20, timeout: 10_000 },
  )
}

async function send(text: string): Promise<void> {
  await page.fill('#send-text', text)
  await page.click('#send')
}

async function echoesAtLeast(n: number): Promise<void> {
  await page.waitForFunction((n) => (window as unknown as Win).__echoes.length >= n, n, {
    polling: 20,
    timeout: 10_000,
  })
}

describe('inspector with resume', () => {
  it('a TCP drop loses nothing: each message echoed once, seqs, acks and replays on the timeline', async () => {
    await page.goto(`${server.url}?resume=1&${TIMINGS}`)
    await page.waitForSelector('#chart svg', { timeout: 30_000 })
    expect(await page.isChecked('#resume-toggle')).toBe(true)
    await page.waitForFunction(() => document.querySelector('#state-badge')?.textContent === 'open')
    // What the application receives, as a listener on the page's own connection.
    await page.evaluate(() => {
      const w = window as unknown as Win
      w.__echoes = []
      w.__inspector
        .connection()
        .addEventListener('message', (e) => w.__echoes.push(String((e as MessageEvent).data)))
    })
    await waitForRow('resume', /hello: new session/)
    await waitForRow('resume', /welcome: new session/)
    // The session's chart, beside the connection's, lit live.
    await page.waitForSelector(
      '#extra-charts [data-chart="resumeSession"] [data-node-id="resumeSession.ready.started"].active',
      { timeout: 10_000 },
    )

    for (const text of ['m1', 'm2', 'm3']) await send(text)
    await echoesAtLeast(3)
    // The server acknowledges the client's messages (after its ackDelay).
    await waitForRow('resume', /← ack ≤ 3/)

    await page.click('#fault-drop')
    await page.waitForFunction(
      () => document.querySelector('#state-badge')?.textContent === 'waitingToReconnect',
      undefined,
      { polling: 20, timeout: 10_000 },
    )
    for (const text of ['m4', 'm5', 'm6']) await send(text)
    expect(await page.textContent('#app-error')).toBe('')
    // Numbered at once, written only after the welcome.
    await waitForRow('resume', /#4 “m4” kept for the replay/)

    await waitForRow('resume', /hello session .+, last received \d+/)
    await waitForRow('resume', /welcome: resumed .+, acked ≤ 3, replaying \d+/)
    await waitForRow('resume', /resumed .+: replayed 3 sent/)
    await page.waitForSelector(
      '#extra-charts [data-node-id="resumeSession.ready.resumed"].active',
      { timeout: 10_000 },
    )
    expect(
      await page.$$eval('#extra-charts .state.leaf.active', (g) =>
        g.map((n) => n.getAttribute('data-node-id')),
      ),
    ).toEqual(['resumeSession.ready.resumed'])
    await echoesAtLeast(6)
    // Nothing lost, nothing twice, in order.
    expect(await page.evaluate(() => (window as unknown as Win).__echoes)).toEqual(
      ['m1', 'm2', 'm3', 'm4', 'm5', 'm6'].map((m) => `echo: ${m}`),
    )

    const messages = await rows('message')
    for (let seq = 1; seq <= 6; seq++) {
      expect(messages).toContainEqual(expect.stringMatching(new RegExp(`→ #${seq} “m${seq}”`)))
    }
    // The messages sent while the link was down went out as the replay, after the welcome.
    const replayed = await page.$$eval('#timeline .kind-message[data-tag="replay"]', (li) =>
      li.map((r) => r.textContent ?? ''),
    )
    expect(replayed).toEqual([
      expect.stringMatching(/→ #4 “m4” replay$/),
      expect.stringMatching(/→ #5 “m5” replay$/),
      expect.stringMatching(/→ #6 “m6” replay$/),
    ])
    // Echoes arrive numbered, each delivered once (duplicates would be tagged, not delivered).
    const delivered = await page.$$eval(
      '#timeline .kind-message.to-client:not([data-tag="duplicate"])',
      (li) => li.map((r) => r.textContent ?? ''),
    )
    expect(delivered.filter((t) => /← #\d+ “echo: m\d”/.test(t))).toHaveLength(6)

    // The session line: everything acknowledged once the server's ack arrives.
    await waitForRow('resume', /← ack ≤ 6/)
    await page.waitForFunction(
      () =>
        /sent 6 · acknowledged 6 · received 6 · buffered 0/.test(
          document.querySelector('#metric-session')?.textContent ?? '',
        ),
      undefined,
      { polling: 50, timeout: 5000 },
    )
    await page.screenshot({ path: `${SHOTS}/inspector-resume.png` })
    expect(pageErrors).toEqual([])
  }, 30_000)

  it('without the option the page uses the plain endpoint, with no resume rows', async () => {
    await page.goto(`${server.url}?${FAST_TIMINGS}`)
    await page.waitForSelector('#chart svg', { timeout: 30_000 })
    await page.waitForFunction(() => document.querySelector('#state-badge')?.textContent === 'open')
    expect(await page.isChecked('#resume-toggle')).toBe(false)
    await send('plain')
    await page.waitForFunction(() =>
      [...document.querySelectorAll('#timeline .kind-message')].some((li) =>
        (li.textContent ?? '').includes('“echo: plain”'),
      ),
    )
    expect(await rows('resume')).toEqual([])
    expect(await page.$('#kind-resume')).toBeNull()
    expect(await page.$('#metric-session')).toBeNull()
    expect(await page.isHidden('#extra-charts')).toBe(true)
  }, 30_000)
})

/**
 * "Shared across tabs" (`?shared=1`): two inspector pages in one browser share
 * one socket through heartline/shared. Exactly one shows "leader"; closing it
 * makes the other the leader, with a timeline row for each change. Beside the
 * connection's chart, each tab draws its tab-role chart (machines/tab-role.ts),
 * lit live. Without the option the page keeps its own connection and shows no
 * leader badge and no tab chart.
 */
import type { Browser, BrowserContext, Page } from 'playwright-core'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import type { InspectorServer } from '../inspector/server.js'
import { startBuiltInspector } from './helpers/built-inspector.js'
import { launchChromium } from './helpers/chromium.js'

let server: InspectorServer
let browser: Browser
let context: BrowserContext

beforeAll(async () => {
  server = await startBuiltInspector()
  browser = await launchChromium()
  // One profile: Web Locks and BroadcastChannel are shared by its pages of one origin.
  context = await browser.newContext()
}, 60_000)

afterAll(async () => {
  await browser?.close()
  await server?.close()
})

const BADGE = '#leader-badge'

async function open(query: string): Promise<Page> {
  const page = await context.newPage()
  await page.goto(`${server.url}${query}`)
  await page.waitForSelector('#chart svg', { timeout: 30_000 })
  return page
}

/** Waits until the page knows whether it leads; returns its badge's text. */
async function role(page: Page): Promise<string> {
  await page.waitForFunction(
    (sel) => ['leader', 'follower'].includes(document.querySelector(sel)?.textContent ?? ''),
    BADGE,
    { polling: 20, timeout: 10_000 },
  )
  return (await page.textContent(BADGE)) ?? ''
}

/** Waits until the page's tab-role chart lights `state` (and only it). */
async function tabChartLit(page: Page, state: 'leader' | 'follower'): Promise<void> {
  await page.waitForSelector(
    `#extra-charts [data-chart="tab"] [data-node-id="tab.joined.${state}"].active`,
    { timeout: 10_000 },
  )
  expect(
    await page.$$eval('#extra-charts .state.leaf.active', (g) =>
      g.map((n) => n.getAttribute('data-node-id')),
    ),
  ).toEqual([`tab.joined.${state}`])
}

function leaderRows(page: Page): Promise<string[]> {
  return page.$$eval('#timeline .kind-tabs', (rows) => rows.map((r) => r.textContent ?? ''))
}

describe('inspector shared across tabs', () => {
  it('exactly one tab leads; closing it makes the other one the leader', async () => {
    const first = await open('?shared=1')
    const second = await open('?shared=1')
    try {
      const roles = [await role(first), await role(second)]
      expect([...roles].sort()).toEqual(['follower', 'leader'])
      const leader = roles[0] === 'leader' ? first : second
      const follower = leader === first ? second : first
      expect(await leader.isChecked('#shared-toggle')).toBe(true)
      // Each tab's role chart, beside the connection's, lights its role.
      await tabChartLit(leader, 'leader')
      await tabChartLit(follower, 'follower')

      // The follower draws the leader's state from statechange, and says why.
      await follower.waitForFunction(
        () => document.querySelector('#state-badge')?.textContent === 'open',
        undefined,
        { polling: 20, timeout: 10_000 },
      )
      expect(await follower.textContent('#session-note')).toContain('inspection stream')
      expect(await follower.getAttribute('#chart .state.leaf.active', 'data-node-id')).toMatch(
        /\.open$/,
      )
      expect(await leaderRows(follower)).toEqual([
        expect.stringContaining('another tab holds the shared socket'),
      ])

      await leader.close()
      await follower.waitForFunction(
        (sel) => document.querySelector(sel)?.textContent === 'leader',
        BADGE,
        { polling: 20, timeout: 10_000 },
      )
      const rows = await leaderRows(follower)
      expect(rows).toHaveLength(2)
      expect(rows[1]).toContain('this tab now holds the shared socket')
      // Live: the same drawing now lights the leader state.
      await tabChartLit(follower, 'leader')
      // Its own connection now feeds the chart: the socket opens again, in this tab.
      await follower.waitForFunction(
        () => document.querySelector('#state-badge')?.textContent === 'open',
        undefined,
        { polling: 20, timeout: 10_000 },
      )
    } finally {
      await first.close()
      await second.close()
    }
  }, 30_000)

  it('without the option the page keeps its own connection and shows no leader badge', async () => {
    const page = await open('')
    try {
      await page.waitForSelector('#chart .state.leaf.active')
      expect(await page.isHidden(BADGE)).toBe(true)
      expect(await page.isChecked('#shared-toggle')).toBe(false)
      expect(await page.isHidden('#extra-charts')).toBe(true)
      expect(await page.$('#extra-charts [data-chart="tab"]')).toBeNull()
      expect(
        await page.evaluate(() => {
          const conn = (
            window as unknown as { __inspector: { connection(): { metrics?: unknown } } }
          ).__inspector.connection()
          return conn.metrics !== undefined
        }),
      ).toBe(true)
    } finally {
      await page.close()
    }
  }, 30_000)
})

/**
 * What the inspector teaches, end to end in Chromium: time travel on the
 * timeline, recordings saved and opened again (the page's own, and a stream
 * saved from inspectorBridge), and the four lessons on the live connection.
 */
import { mkdirSync, writeFileSync } from 'node:fs'
import { readFile } from 'node:fs/promises'
import type { Browser, Page } from 'playwright-core'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import WebSocket from 'ws'
import type { InspectorServer } from '../inspector/server.js'
import { createConnection } from '../src/index.js'
import { type InspectionRecord, toRecord } from '../src/inspector/index.js'
import { startBuiltInspector } from './helpers/built-inspector.js'
import { launchChromium, savedDownload } from './helpers/chromium.js'
import { activeLeaf, FAST_TIMINGS, healthy, shown, waitForShown } from './helpers/inspector-page.js'

const SHOTS = 'test-results'
mkdirSync(SHOTS, { recursive: true })

let server: InspectorServer
let browser: Browser
let page: Page
const pageErrors: string[] = []

beforeAll(async () => {
  server = await startBuiltInspector()
  browser = await launchChromium()
  page = await browser.newPage({ viewport: { width: 1280, height: 800 }, acceptDownloads: true })
  page.on('pageerror', (error) => pageErrors.push(error.message))
  await page.goto(`${server.url}?${FAST_TIMINGS}`)
  await page.waitForSelector('#chart svg', { timeout: 30_000 })
  await waitForShown(page, ['open'], 0)
}, 60_000)

afterAll(async () => {
  await browser?.close()
  await server?.close()
})

const badge = () => page.getAttribute('#state-badge', 'data-state')

describe('time travel', () => {
  it('a timeline row shows the state, context and timers of its moment; arrows step; Live returns', async () => {
    const from = await healthy(page)
    await page.click('#fault-drop')
    await waitForShown(page, ['waitingToReconnect', 'connecting', 'open'], from)
    const row = page.locator('#timeline li[data-kind="reconnect"]').last()
    await row.click()
    expect(await badge()).toBe('waitingToReconnect')
    expect(await activeLeaf(page)).toBe('heartline.waitingToReconnect')
    await page.waitForSelector('#timers [data-timer="reconnectDelay"]')
    expect(await page.textContent('#timers')).toContain('(then)')
    const context = JSON.parse((await page.textContent('#context-json')) ?? '{}')
    expect(context.attempt).toBeGreaterThanOrEqual(1)
    expect(context.retryDelay).toBe(200)

    // Live updates no longer move the chart while travelling.
    await page.waitForFunction(() => document.querySelectorAll('#timeline li').length > 0)
    const index = Number(await row.getAttribute('data-index'))
    await page.keyboard.press('ArrowDown')
    const next = await page.getAttribute('#timeline li[aria-selected="true"]', 'data-index')
    expect(Number(next)).toBeGreaterThan(index)
    // Step on until the socket opened again: the chart follows.
    for (let i = 0; i < 10 && (await badge()) !== 'open'; i++)
      await page.keyboard.press('ArrowDown')
    expect(await badge()).toBe('open')
    await page.keyboard.press('ArrowUp')
    expect(await badge()).not.toBe('open')
    await page.screenshot({ path: `${SHOTS}/time-travel.png` })

    await page.click('#live')
    expect(await page.isDisabled('#live')).toBe(true)
    expect(await page.textContent('#timers')).not.toContain('(then)')
    expect(['open', 'awaitingPong']).toContain(await badge())
  })
})

describe('recordings', () => {
  it('saves the session as a file and replays it with time travel', async () => {
    const [download] = await Promise.all([
      page.waitForEvent('download'),
      page.click('#save-recording'),
    ])
    const path = await savedDownload(download)
    const saved = JSON.parse(await readFile(path, 'utf8'))
    expect(saved.format).toBe('heartline-recording')
    expect(saved.machine.id).toBe('heartline')
    expect(saved.machine.fingerprint).toMatch(/^[0-9a-f]{8}$/)
    expect(saved.records.length).toBeGreaterThan(10)

    await page.setInputFiles('#open-recording', path)
    await page.waitForFunction(() =>
      document
        .querySelector('#session-select option:checked')
        ?.textContent?.includes('(recording)'),
    )
    expect(await page.textContent('#session-note')).toContain('recording from')
    expect(await page.isDisabled('#close')).toBe(true)
    expect(await page.locator('#timeline li').count()).toBe(
      Math.min(
        300,
        saved.rows.filter((r: { kind: string }) => r.kind !== 'handshake' || true).length,
      ),
    )
    await page.locator('#timeline li[data-kind="reconnect"]').last().click()
    expect(await badge()).toBe('waitingToReconnect')
    await page.click('#live')
    await page.selectOption('#session-select', 'local')
  })

  it('opens a stream saved from inspectorBridge (one message per line), by drag and drop', async () => {
    // What an app's inspectorBridge() sends, saved as it was sent.
    const lines = [
      JSON.stringify({
        kind: 'hello',
        bridge: 'b1',
        name: 'bug-report',
        target: null,
        at: Date.now(),
      }),
    ]
    let closed: () => void = () => undefined
    const done = new Promise<void>((resolve) => {
      closed = resolve
    })
    const conn = createConnection(server.wsUrl, {
      WebSocket: WebSocket as never,
      heartbeat: { interval: 200, timeout: 200 },
      inspect: (event) => {
        const record: InspectionRecord | null = toRecord(event)
        if (!record) return
        lines.push(JSON.stringify({ kind: 'record', bridge: 'b1', record }))
        if (record.kind === 'snapshot' && record.root && record.value === 'closed') closed()
      },
    })
    await new Promise<void>((resolve) => conn.addEventListener('open', () => resolve()))
    conn.close(1000, 'report filed')
    await done
    const text = `${lines.join('\n')}\n`
    writeFileSync(`${SHOTS}/bridge-stream.ndjson`, text)

    await page.evaluate((content) => {
      const data = new DataTransfer()
      data.items.add(new File([content], 'bridge-stream.ndjson', { type: 'application/x-ndjson' }))
      document.body.dispatchEvent(new DragEvent('drop', { dataTransfer: data, bubbles: true }))
    }, text)
    await page.waitForFunction(() =>
      document
        .querySelector('#session-select option:checked')
        ?.textContent?.includes('bug-report (recording)'),
    )
    expect(await activeLeaf(page)).toBe('heartline.closed')
    expect(await page.textContent('#timeline')).toContain('app close(1000, “report filed”)')
    await page.locator('#timeline li[data-kind="open"]').first().click()
    expect(['open', 'awaitingPong']).toContain(await badge())
    await page.screenshot({ path: `${SHOTS}/recording-bridge.png` })
    await page.click('#live')
    await page.selectOption('#session-select', 'local')
    await page.waitForSelector('#chart .state.leaf.active')
  })
})

describe('lessons', () => {
  const focused = () =>
    page.evaluate(() =>
      [...document.querySelectorAll('#chart .state.focus')].map((n) =>
        n.getAttribute('data-node-id'),
      ),
    )

  it('1. handshake: a new socket, its Accept recomputed in the page', async () => {
    await page.click('#lesson-handshake')
    expect(await focused()).toContain('heartline.live.connecting')
    expect(await page.locator('#chart .edge.focus').count()).toBeGreaterThan(0)
    const before = await page.locator('#handshake-select option').count()
    await page.click('#lesson-run-handshake')
    await page.waitForFunction(
      (n) => document.querySelectorAll('#handshake-select option').length > n,
      before,
    )
    await page.waitForSelector('#accept-match[data-match="true"]')
    // The lesson walks the same computation, live, for the socket it just opened.
    await page.waitForFunction(() =>
      document.getElementById('lesson-output')?.textContent?.includes('it matches'),
    )
    const output = (await page.textContent('#lesson-output')) ?? ''
    expect(output).toContain('258EAFA5-E914-47DA-95CA-C5AB0DC85B11')
    expect(output).toMatch(/SHA-1 [0-9a-f]{40}/)
    expect(output).toContain(`base64 ${await page.textContent('#accept-computed')}`)
    await page.screenshot({ path: `${SHOTS}/lesson-handshake.png` })
  })

  it('2. handlers and methods: send() is echoed, close(1001) is refused and changes nothing', async () => {
    await page.click('#lesson-api')
    expect(await focused()).toContain('heartline.live.closing')
    await healthy(page)
    await page.click('#lesson-run-api')
    await page.waitForSelector('#lesson-output li')
    expect(await page.textContent('#lesson-output')).toMatch(/InvalidAccessError.*1001/)
    await page.waitForFunction(() =>
      document.getElementById('timeline')?.textContent?.includes('“echo: lesson”'),
    )
    expect(['open', 'awaitingPong']).toContain(await badge())
  })

  it('3. heartbeat: freeze → ping unanswered → closing → waiting, without waiting for the dead socket', async () => {
    await page.click('#lesson-heartbeat')
    expect(await focused()).toEqual(
      expect.arrayContaining(['heartline.live.connected.awaitingPong', 'heartline.live.closing']),
    )
    const from = await healthy(page)
    await page.click('#lesson-run-heartbeat')
    await waitForShown(page, ['awaitingPong', 'closing', 'waitingToReconnect'], from)
    expect(await page.textContent('#timeline')).toContain('close 4000 “heartbeat-timeout”')
    await page.screenshot({ path: `${SHOTS}/lesson-heartbeat.png` })
    const after = (await shown(page)).length
    await page.click('#lesson-run-heartbeat')
    await waitForShown(page, ['open'], after)
  })

  it('4. reconnect: a drop leads to one backoff wait, then one new attempt', async () => {
    await page.click('#lesson-reconnect')
    expect(await focused()).toContain('heartline.waitingToReconnect')
    const from = await healthy(page)
    await page.click('#lesson-run-reconnect')
    await waitForShown(page, ['waitingToReconnect', 'connecting', 'open'], from)
    expect(await page.textContent('#timeline')).toMatch(/reconnect #\d+ in 200 ms/)
    await page.screenshot({ path: `${SHOTS}/lesson-reconnect.png` })
    await page.click('#lesson-reconnect')
    expect(await focused()).toEqual([])
  })

  it('threw nothing in the page', () => {
    expect(pageErrors).toEqual([])
  })
})

/**
 * The inspector page, end to end: the real demo server (ws + heartline/server
 * behind the fault proxy), the page built by Vite (test/helpers/built-inspector.ts), headless Chromium. Each fault
 * is clicked and the states the chart highlights are checked against the chart.
 * Screenshots go to test-results/.
 */
import { type ChildProcess, spawn } from 'node:child_process'
import { mkdirSync } from 'node:fs'
import { readFile } from 'node:fs/promises'
import type { Browser, Page } from 'playwright-core'
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest'
import WebSocket from 'ws'
import { toDirectedGraph } from 'xstate/graph'
import type { InspectorServer } from '../inspector/server.js'
import { connectionMachine } from '../machines/connection.js'
import { computeAccept } from '../src/handshake.js'
import { startBuiltInspector } from './helpers/built-inspector.js'
import { launchChromium, savedDownload } from './helpers/chromium.js'
import {
  activeLeaf,
  healthy as healthyIn,
  shown as shownIn,
  FAST_TIMINGS as TIMINGS,
  waitForShown as waitForShownIn,
} from './helpers/inspector-page.js'

const SHOTS = 'test-results'
mkdirSync(SHOTS, { recursive: true })

let server: InspectorServer
let browser: Browser
let page: Page
const external: string[] = []
const pageErrors: string[] = []

const shown = () => shownIn(page)
const waitForShown = (sequence: string[], from: number) => waitForShownIn(page, sequence, from)
const healthy = () => healthyIn(page)
const highlightedLeaf = () => activeLeaf(page)

async function timelineText(): Promise<string> {
  return page.evaluate(() => document.getElementById('timeline')?.textContent ?? '')
}

/** Reconnects the page's connection if an earlier test closed it for good. */
async function liveAgain() {
  if ((await highlightedLeaf()) !== 'heartline.closed') return
  const from = (await shown()).length
  await page.click('#connect')
  await waitForShown(['open'], from)
}

/** Clicks, then waits for the server to report the new fault state. */
async function fault(id: string, pressed?: boolean) {
  await page.click(`#${id}`)
  if (pressed !== undefined) {
    await page.waitForSelector(`#${id}[aria-pressed="${pressed}"]`, { timeout: 5000 })
  }
}

beforeAll(async () => {
  server = await startBuiltInspector()
  browser = await launchChromium()
  page = await browser.newPage({ viewport: { width: 1280, height: 800 }, acceptDownloads: true })
  page.on('request', (request) => {
    const url = new URL(request.url())
    if (url.protocol !== 'data:' && url.protocol !== 'blob:' && url.hostname !== '127.0.0.1') {
      external.push(request.url())
    }
  })
  page.on('pageerror', (error) => pageErrors.push(error.message))
  if (process.env.E2E_DEBUG) {
    page.on('console', (m) => console.log(`[page] ${m.text()}`))
    page.on('framenavigated', (f) => console.log(`[page] navigated ${f.url()}`))
  }
  await page.goto(`${server.url}?${TIMINGS}`)
  await page.waitForSelector('#chart svg', { timeout: 30_000 })
  await waitForShown(['open'], 0)
}, 60_000)

afterAll(async () => {
  await browser?.close()
  await server?.close()
})

describe('inspector page', () => {
  // Each test is checked for what it made the page do: no request beyond
  // loopback, no uncaught error (the page's load is checked by the first).
  afterEach(() => {
    expect(external.splice(0)).toEqual([])
    expect(pageErrors.splice(0)).toEqual([])
  })

  it('draws exactly the nodes and edges of the machine, and highlights the current state', async () => {
    const graph = toDirectedGraph(connectionMachine)
    const nodes: string[] = []
    const edges: string[] = []
    const walk = (node: typeof graph) => {
      nodes.push(node.id)
      for (const edge of node.edges) edges.push(edge.id)
      for (const child of node.children) walk(child)
    }
    walk(graph)
    const drawn = await page.evaluate(() => ({
      nodes: [...document.querySelectorAll('#chart [data-node-id]')].map((n) =>
        n.getAttribute('data-node-id'),
      ),
      edges: [...document.querySelectorAll('#chart [data-edge-ids]')].flatMap((n) =>
        (n.getAttribute('data-edge-ids') ?? '').split(' '),
      ),
    }))
    expect([...drawn.nodes].sort()).toEqual([...nodes].sort())
    expect([...drawn.edges].sort()).toEqual([...edges].sort())
    expect(nodes.length).toBeGreaterThan(5)
    expect(edges.length).toBeGreaterThan(20)

    // The active leaf and its ancestors are highlighted; nothing else.
    await page.waitForSelector('[data-node-id="heartline.live.connected"].active')
    const active = await page.evaluate(() =>
      [...document.querySelectorAll('#chart .state.active')].map((n) =>
        n.getAttribute('data-node-id'),
      ),
    )
    expect(active).toContain('heartline')
    expect(active).toContain('heartline.live')
    expect(
      active.some(
        (id) =>
          id === 'heartline.live.connected.open' || id === 'heartline.live.connected.awaitingPong',
      ),
    ).toBe(true)
    expect(active).not.toContain('heartline.closed')
    await page.screenshot({ path: `${SHOTS}/inspector-open.png` })
  })

  it('freeze: awaitingPong → closing → waitingToReconnect → connecting; unfreeze: open', async () => {
    const from = await healthy()
    // By keyboard: focus the control and press Enter.
    await page.focus('#fault-freeze')
    await page.keyboard.press('Enter')
    await page.waitForSelector('#fault-freeze[aria-pressed="true"]')
    await waitForShown(['awaitingPong', 'closing', 'waitingToReconnect', 'connecting'], from)
    // The countdown of the active timer is shown with its option name.
    await page.waitForSelector('#timers [data-timer="connectTimeout"]')
    await page.screenshot({ path: `${SHOTS}/fault-freeze.png` })
    expect(await timelineText()).toContain('close 4000 “heartbeat-timeout”')
    const after = (await shown()).length
    await fault('fault-freeze', false)
    await waitForShown(['open'], after)
    expect(await highlightedLeaf()).toMatch(/open|awaitingPong/)
  })

  it('unanswered pings: awaitingPong → closing → waitingToReconnect → connecting → open', async () => {
    const from = await healthy()
    await fault('fault-pings', true)
    await waitForShown(
      ['awaitingPong', 'closing', 'waitingToReconnect', 'connecting', 'open'],
      from,
    )
    await page.screenshot({ path: `${SHOTS}/fault-silent-pings.png` })
    await fault('fault-pings', false)
  })

  it('drop TCP: waitingToReconnect → connecting → open, with a 1006', async () => {
    const from = await healthy()
    await fault('fault-drop')
    await waitForShown(['waitingToReconnect', 'connecting', 'open'], from)
    expect(await timelineText()).toContain('close 1006')
    await page.screenshot({ path: `${SHOTS}/fault-drop.png` })
  })

  it('server close with a chosen code: the code and reason reach the timeline', async () => {
    const from = await healthy()
    await page.fill('#server-code', '4321')
    await page.fill('#server-reason', 'maintenance')
    await fault('fault-close')
    await waitForShown(['waitingToReconnect', 'connecting', 'open'], from)
    expect(await timelineText()).toContain('close 4321 “maintenance”')
    await page.screenshot({ path: `${SHOTS}/fault-server-close.png` })
  })

  it('refused handshake (401, then 503): connecting fails and retries until accepted', async () => {
    for (const status of [401, 503] as const) {
      const from = await healthy()
      await fault(`fault-${status}`, true)
      await fault('fault-drop')
      await waitForShown(
        ['waitingToReconnect', 'connecting', 'closing', 'waitingToReconnect'],
        from,
      )
      await page.waitForFunction(
        (s) => document.getElementById('timeline')?.textContent?.includes(`${s} `),
        status,
      )
      await page.screenshot({ path: `${SHOTS}/fault-refuse-${status}.png` })
      const after = (await shown()).length
      await fault(`fault-${status}`, false)
      await waitForShown(['open'], after)
    }
  })

  it('server down, then back: reconnects as soon as it is up', async () => {
    const from = await healthy()
    await fault('fault-down', true)
    await waitForShown(['waitingToReconnect', 'connecting', 'closing', 'waitingToReconnect'], from)
    await page.screenshot({ path: `${SHOTS}/fault-down.png` })
    const after = (await shown()).length
    await fault('fault-down', false)
    await waitForShown(['open'], after)
  })

  it('offline switch: the library lifecycle handling probes, waits without attempts; online reconnects at once', async () => {
    const from = await healthy()
    await page.check('#offline')
    // `network.offline` while open probes at once; the dead network swallows the ping.
    await waitForShown(['awaitingPong', 'closing', 'waitingToReconnect'], from)
    // The chart itself received the event (its inspection record), not only the page's note.
    expect(await timelineText()).toContain('chart event network.offline')
    // The backoff pauses while offline: its timer runs out and no attempt starts.
    await page.waitForSelector('#timers [data-timer="reconnectDelay"].done')
    expect(await highlightedLeaf()).toBe('heartline.waitingToReconnect')
    expect((await shown()).slice(from)).not.toContain('connecting')
    await page.screenshot({ path: `${SHOTS}/offline.png` })
    const after = (await shown()).length
    await page.uncheck('#offline')
    await waitForShown(['connecting', 'open'], after)
    expect(await timelineText()).toContain('chart event network.online')
  })

  it('metrics panel: the figures are the connection’s own conn.metrics', async () => {
    // This test's own reconnect: a second attempt whatever ran before it.
    await liveAgain()
    const from = await healthy()
    await fault('fault-drop')
    await waitForShown(['waitingToReconnect', 'connecting', 'open'], from)
    await page.waitForSelector('#metrics[data-source="conn.metrics"] #metric-opened')
    // The panel redraws once a second while the connection may go on reconnecting:
    // wait for a redraw whose figures are the connection's own at that moment, read
    // in the same task (a panel that counted for itself would never match).
    const shownAndOwn = await page.waitForFunction(() => {
      const conn = (
        window as unknown as {
          __inspector: { connection: () => { metrics: { attempts: number; reconnects: number } } }
        }
      ).__inspector.connection()
      const [attempts, reconnects] = (document.getElementById('metric-opened')?.textContent ?? '')
        .split(' / ')
        .map(Number)
      const own = conn.metrics
      return attempts !== undefined &&
        attempts > 1 &&
        attempts === own.attempts &&
        reconnects === own.reconnects
        ? { attempts, reconnects, own: { attempts: own.attempts, reconnects: own.reconnects } }
        : false
    })
    const { attempts, reconnects, own } = (await shownAndOwn.jsonValue()) as {
      attempts: number
      reconnects: number
      own: { attempts: number; reconnects: number }
    }
    expect(attempts).toBeGreaterThan(1)
    expect(attempts).toBe(own.attempts)
    expect(reconnects).toBe(own.reconnects)
    expect(await page.textContent('#metric-history')).toMatch(/→ open/)

    // Flow control: bufferedAmount and the low-water threshold, read from the connection.
    const buffered = await page.waitForFunction(() => {
      const conn = (
        window as unknown as {
          __inspector: {
            connection: () => { bufferedAmount: number; bufferedAmountLowThreshold: number }
          }
        }
      ).__inspector.connection()
      conn.bufferedAmountLowThreshold = 4096
      const shown = document.getElementById('metric-buffered')?.textContent
      return shown === `${conn.bufferedAmount} B · low threshold 4096 B` ? shown : false
    })
    expect(await buffered.jsonValue()).toMatch(/^\d+ B · low threshold 4096 B$/)
  })

  it('handshake lesson: the Accept computed in the page equals the header the server sent', async () => {
    await page.waitForSelector('#accept-match[data-match="true"]')
    const computed = await page.textContent('#accept-computed')
    const captured = await page.textContent('#accept-captured')
    const key = await page.textContent('#accept-key')
    const last = server
      .handshakes()
      .find((h) =>
        h.request.headers.some(([k, v]) => k.toLowerCase() === 'sec-websocket-key' && v === key),
      )
    expect(last).toBeDefined()
    const header = last?.response.headers.find(
      ([k]) => k.toLowerCase() === 'sec-websocket-accept',
    )?.[1]
    expect(captured).toBe(header)
    expect(computed).toBe(header)
    expect(computed).toBe(await computeAccept(key ?? ''))
    expect(await page.textContent('#accept-concat')).toBe(
      `${key}258EAFA5-E914-47DA-95CA-C5AB0DC85B11`,
    )
    expect(await page.textContent('#hs-response-line')).toBe('HTTP/1.1 101 Switching Protocols')
    await page.locator('#accept-match').scrollIntoViewIfNeeded()
    await page.screenshot({ path: `${SHOTS}/handshake.png` })
  })

  it('close(): a refused code shows the library error; presets.seed is one click away', async () => {
    await page.fill('#close-code', '1001')
    await page.click('#close')
    expect(await page.textContent('#app-error')).toMatch(/InvalidAccessError.*1001/)
    expect(await highlightedLeaf()).not.toBe('heartline.closed')

    await page.click('#preset-seed')
    expect(await page.inputValue('#opt-heartbeat-interval')).toBe('3000')
    expect(await page.inputValue('#opt-heartbeat-timeout')).toBe('3000')
    expect(await page.inputValue('#opt-reconnect-initialDelay')).toBe('4000')
    await page.waitForFunction(() =>
      document
        .querySelector('#timers [data-timer="pingDelay"] span')
        ?.textContent?.endsWith('/ 3000 ms'),
    )

    // Back to small timings through the editor (a new connection), then close for good.
    for (const [name, value] of TIMINGS) {
      const id = `#opt-${name.replace('.', '-')}`
      if (name === 'reconnect.jitter') await page.selectOption(id, value)
      else await page.fill(id, value)
    }
    await page.click('#apply-options')
    await page.waitForFunction(() =>
      document
        .querySelector('#timers [data-timer="pingDelay"] span')
        ?.textContent?.endsWith('/ 300 ms'),
    )
    const from = (await shown()).length
    await page.fill('#close-code', '1000')
    await page.fill('#close-reason', 'done')
    await page.click('#close')
    await waitForShown(['closing', 'closed'], from)
    expect(await page.textContent('#app-error')).toBe('')
  })

  it('timeline: filter by kind and export as JSON', async () => {
    // Only this test's rows: a cleared timeline, then its own close and handshake.
    await liveAgain()
    const from = await healthy()
    await page.click('#clear-timeline')
    await fault('fault-drop')
    await waitForShown(['waitingToReconnect', 'connecting', 'open'], from)
    await page.waitForSelector('#timeline li[data-kind="handshake"]')
    await page.waitForSelector('#timeline li[data-kind="close"]')
    await page.uncheck('#kind-handshake')
    expect(await page.locator('#timeline li[data-kind="handshake"]').count()).toBe(0)
    expect(await page.locator('#timeline li[data-kind="close"]').count()).toBeGreaterThan(0)
    const [download] = await Promise.all([
      page.waitForEvent('download'),
      page.click('#export-json'),
    ])
    const exported = JSON.parse(await readFile(await savedDownload(download), 'utf8'))
    expect(exported.kinds).not.toContain('handshake')
    expect(exported.rows.some((r: { kind: string }) => r.kind === 'close')).toBe(true)
    expect(exported.rows.some((r: { kind: string }) => r.kind === 'handshake')).toBe(false)
    await page.check('#kind-handshake')
  })

  it('attach mode: shows a connection from a separate Node process, read-only, URLs redacted', async () => {
    let child: ChildProcess | undefined
    try {
      child = spawn(
        process.execPath,
        ['--import', 'tsx', 'test/fixtures/attach-app.ts', server.wsUrl, server.attachUrl],
        { stdio: ['pipe', 'pipe', 'inherit'] },
      )
      const option = page.locator('#session-select option', { hasText: 'fixture-app' })
      await option.waitFor({ state: 'attached', timeout: 20_000 })
      const label = await option.textContent()
      expect(label).toContain('token=***')
      expect(label).not.toContain('s3cret')
      const value = await option.getAttribute('value')
      await page.selectOption('#session-select', value ?? '')
      await page.waitForSelector(
        '#state-badge[data-state="open"], #state-badge[data-state="awaitingPong"]',
        { timeout: 15_000 },
      )
      expect(await page.isDisabled('#close')).toBe(true)
      const from = (await shown()).length
      await waitForShown(['awaitingPong', 'open'], Math.max(0, from - 1))
      expect(await page.content()).not.toContain('s3cret')
      await page.screenshot({ path: `${SHOTS}/attach.png` })
    } finally {
      child?.stdin?.end()
      child?.kill()
    }
  })

  it('refuses fault commands from another site', async () => {
    const controlUrl = `${server.url.replace('http:', 'ws:')}control`
    const port = new URL(server.url).port
    const status = (origin: string) =>
      new Promise<number>((resolve) => {
        const ws = new WebSocket(controlUrl, { origin })
        ws.on('unexpected-response', (_req, res) => resolve(res.statusCode ?? 0))
        ws.on('open', () => {
          ws.close()
          resolve(101)
        })
        ws.on('error', () => undefined)
      })
    expect(await status(`http://evil.test:${port}`)).toBe(403)
    expect(await status(`http://127.0.0.1:${port}`)).toBe(101)
  })
})

describe('npm start', () => {
  let child: ChildProcess | undefined
  let url = ''
  afterAll(() => {
    child?.kill()
  })

  it('prints the page URL on 127.0.0.1 and serves the page', async () => {
    child = spawn(
      process.execPath,
      ['--import', 'tsx', 'inspector/start.ts', '--port', '0', '--ws-port', '0'],
      {
        stdio: ['ignore', 'pipe', 'inherit'],
      },
    )
    url = await new Promise<string>((resolve, reject) => {
      let out = ''
      child?.stdout?.on('data', (chunk) => {
        out += String(chunk)
        const match = /page\s+(http:\/\/127\.0\.0\.1:\d+\/)/.exec(out)
        if (match) resolve(match[1] as string)
      })
      child?.on('exit', (code) => reject(new Error(`npm start exited with ${code}: ${out}`)))
    })
    const html = await (await fetch(url)).text()
    expect(html).toContain('heartline inspector')
    expect(html).toContain('main.ts')
  })

  // The tests above run the page as Vite builds it; this one runs it as Vite's
  // dev server serves it, module by module from the sources.
  it("the page Vite's dev server serves draws the chart and opens its connection", async () => {
    expect(url).not.toBe('')
    const devPage = await browser.newPage()
    const errors: string[] = []
    devPage.on('pageerror', (error) => errors.push(error.message))
    try {
      await devPage.goto(url)
      await devPage.waitForSelector('#chart svg', { timeout: 30_000 })
      await waitForShownIn(devPage, ['open'], 0)
      expect(errors).toEqual([])
    } finally {
      await devPage.close()
    }
  })
})

import type { Browser, BrowserContext, Page } from 'playwright-core'
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest'
import { launchChromium } from './helpers/chromium.js'
import { type ControlledServer, startControlledServer } from './helpers/controlled-server.js'
import { type LibraryPage, serveLibraryPage } from './helpers/library-page.js'

let site: LibraryPage
let base: string
let browser: Browser
let context: BrowserContext
let page: Page
let server: ControlledServer

beforeAll(async () => {
  site = await serveLibraryPage('heartline')
  base = site.url
  browser = await launchChromium()
})

afterAll(async () => {
  await browser?.close()
  await site?.close()
})

beforeEach(async () => {
  server = await startControlledServer()
  context = await browser.newContext()
  page = await context.newPage()
  await page.goto(base)
  await page.waitForFunction('window.ready === true')
})

afterEach(async () => {
  await page.evaluate('window.conn && window.conn.close()').catch(() => undefined)
  await context.close()
  await server.close()
})

/**
 * Creates `window.conn` with `options` (a JS object literal) and records every
 * state change, window online/offline and the url provider's calls, each with
 * performance.now(). Listeners the test adds run before heartline's own.
 */
async function connect(options: string, setup = '') {
  await page.evaluate(`(() => {
    const log = (window.log = [])
    const at = () => performance.now()
    window.addEventListener('online', () => log.push({ what: 'online', at: at() }))
    window.addEventListener('offline', () => {
      log.push({ what: 'offline', at: at() })
      setTimeout(() => log.push({ what: 'offline task over', at: at() }), 0)
    })
    window.calls = []
    const conn = window.heartline.createConnection((info) => {
      window.calls.push(info)
      return ${JSON.stringify(server.url)}
    }, ${options})
    conn.addEventListener('statechange', (e) => log.push({ what: e.to, event: e.event, at: at() }))
    window.conn = conn
    ${setup}
  })()`)
  await page.waitForFunction(`window.conn.state === 'open'`)
}

/** Every listener on the page's window and document, as `target:type at script:line:column`. */
async function pageListeners(): Promise<string[]> {
  const cdp = await context.newCDPSession(page)
  const out: string[] = []
  try {
    for (const target of ['window', 'document']) {
      const { result } = await cdp.send('Runtime.evaluate', { expression: target })
      const { listeners } = await cdp.send('DOMDebugger.getEventListeners', {
        objectId: result.objectId as string,
      })
      for (const l of listeners)
        out.push(`${target}:${l.type} at ${l.scriptId}:${l.lineNumber}:${l.columnNumber}`)
    }
  } finally {
    await cdp.detach()
  }
  return out.sort()
}

type LogEntry = { what: string; event?: string; at: number }
const log = () => page.evaluate('window.log') as Promise<LogEntry[]>

describe('in Chromium', () => {
  it('offline probes at once, pauses the backoff while offline, and online opens at once', async () => {
    // A clock over the page's own timers that logs each one it has run, so the
    // test can wait for the backoff's timer instead of waiting for attempts.
    await page.evaluate(`(() => {
      const fired = (window.fired = [])
      window.loggingClock = {
        setTimeout: (fn, ms) => setTimeout(() => (fn(), fired.push(ms)), ms),
        clearTimeout: (id) => clearTimeout(id),
      }
    })()`)
    await connect(`{
      clock: window.loggingClock,
      heartbeat: { interval: 60000, timeout: 300 },
      closeTimeout: 300,
      reconnect: { initialDelay: 40, factor: 1, jitter: 'none' },
    }`)
    await context.setOffline(true)
    await page.waitForFunction(`window.log.some((e) => e.what === 'offline task over')`)
    const afterOffline = (await log()).map((e) => `${e.what} ${e.event ?? ''}`.trim())
    // The probe starts in the same task as the offline event (before a task the
    // offline event queued), not 60 s later.
    expect(afterOffline.slice(afterOffline.indexOf('offline'))).toEqual([
      'offline',
      'awaitingPong network.offline',
      'offline task over',
    ])
    // The held ping is never answered: heartbeat timeout, then waiting, offline.
    await page.waitForFunction(`window.conn.state === 'waitingToReconnect'`, undefined, {
      timeout: 5000,
    })
    // The backoff's 40 ms timer runs while offline and starts no attempt.
    await page.waitForFunction('window.fired.includes(40)')
    expect(await page.evaluate('window.conn.state')).toBe('waitingToReconnect')
    expect(await page.evaluate('window.calls.length')).toBe(1)

    await context.setOffline(false)
    await page.waitForFunction(`window.conn.state === 'open'`)
    const entries = await log()
    const onlineAt = entries.findIndex((e) => e.what === 'online')
    // The online event itself starts the attempt (not the backoff's timer).
    expect(entries.slice(onlineAt).map((e) => `${e.what} ${e.event ?? ''}`.trim())).toEqual([
      'online',
      'connecting network.online',
      'open socket.open',
    ])
    const calls = (await page.evaluate('window.calls')) as Array<{ reason: string }>
    expect(calls.map((c) => c.reason)).toEqual(['initial', 'network'])
    const ms = (entries.at(-1)?.at ?? 0) - (entries[onlineAt]?.at ?? 0)
    console.log(`online → open in Chromium: ${ms.toFixed(1)} ms`)
  })

  it('online skips a long backoff', async () => {
    await connect(`{ heartbeat: false, reconnect: { initialDelay: 600000, jitter: 'none' } }`)
    for (const client of server.clients()) client.terminate()
    await page.waitForFunction(`window.conn.state === 'waitingToReconnect'`)
    await context.setOffline(true)
    await context.setOffline(false)
    await page.waitForFunction(`window.conn.state === 'open'`)
    expect(server.connections).toBe(2)
  })

  it('resume probes at once', async () => {
    await connect(`{ heartbeat: { interval: 60000, timeout: 5000 } }`)
    const state = await page.evaluate(
      `document.dispatchEvent(new Event('resume')), window.conn.state`,
    )
    expect(state).toBe('awaitingPong')
    await server.when(() => server.pings === 1, 'the probe ping')
    await page.waitForFunction(`window.conn.state === 'open'`)
  })

  it('a pong deadline that fires late after a blocked main thread probes again instead of closing', async () => {
    server.answerPings = false
    // The page is busy for 2.2 s right after the first ping (as after a sleep or a
    // long task): when the thread frees, the deadline is 1.4 s overdue, more than
    // the 1 s that marks a late timer. The server ignores that ping but answers
    // later ones, so only a second probe can tell. The timeout leaves the second
    // probe's pong 800 ms (200 ms was too little on a loaded machine: it closed).
    await connect(
      `{ heartbeat: { interval: 100, timeout: 800 }, reconnect: { initialDelay: 0 } }`,
      `conn.addEventListener('statechange', (e) => {
        if (e.to !== 'awaitingPong' || window.blocked) return
        window.blocked = true
        const end = performance.now() + 2200
        while (performance.now() < end) {}
      })`,
    )
    await server.when(() => server.pings >= 1, 'the first ping')
    server.answerPings = true
    await server.when(() => server.pings >= 2, 'the second probe')
    await page.waitForFunction(`window.log.filter((e) => e.what === 'open').length >= 2`)
    // Up to the first open after the block (later cycles of this heartbeat
    // are not what this test is about, and a loaded machine may time them out).
    const entries = await log()
    const second = entries.findIndex((e, i) => e.what === 'open' && i > 0)
    expect(entries.slice(0, second + 1).map((e) => `${e.what} ${e.event}`)).toEqual([
      'open socket.open',
      'awaitingPong heartbeat.silence',
      'open heartbeat.alive',
    ])
    expect(server.pings).toBeGreaterThanOrEqual(2)
  })

  it('removes its window and document listeners when closed for good', async () => {
    // Chromium's own list of listeners (DevTools protocol), keyed by where each
    // handler's code is: a listener added and never removed stays on it, however
    // many removeEventListener calls were made.
    const before = await pageListeners()
    await page.evaluate(`(() => {
      window.conn = window.heartline.createConnection(${JSON.stringify(server.url)})
    })()`)
    const added = (await pageListeners()).filter((l) => !before.includes(l))
    expect(added.map((l) => l.split(' ')[0])).toEqual([
      'document:resume',
      'document:visibilitychange',
      'window:offline',
      'window:online',
      'window:pageshow',
    ])
    await page.waitForFunction(`window.conn.state === 'open'`)
    await page.evaluate('window.conn.close()')
    await page.waitForFunction(`window.conn.state === 'closed'`)
    expect(await pageListeners()).toEqual(before)
  })
})

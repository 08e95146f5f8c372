/**
 * Pages for the shared-connection tests: the `heartline/shared` entry bundled
 * with esbuild and served from node:http on 127.0.0.1 (a secure context, so Web
 * Locks and BroadcastChannel exist), each page recording what its view fires.
 */
import { createServer, type Server } from 'node:http'
import type { AddressInfo } from 'node:net'
import { build } from 'esbuild'
import type { Browser, BrowserContext, CDPSession, Page } from 'playwright-core'
import { afterAll, afterEach, beforeAll, beforeEach } from 'vitest'
import { launchChromium } from './chromium.js'
import { type ControlledServer, startControlledServer } from './controlled-server.js'

/** Runs in the page: `window.start(url, options)` creates `window.conn` and records into `window.seen`. */
const PAGE_SCRIPT = `
window.start = (url, options) => {
  const seen = (window.seen = { messages: [], drops: [], states: [], leaderchanges: [], closes: [], opens: 0, startedAt: Date.now(), firstOpenAt: 0 })
  const conn = (window.conn = window.shared.createSharedConnection(url, options))
  conn.addEventListener('message', (e) => seen.messages.push(String(e.data)))
  conn.addEventListener('drop', (e) => seen.drops.push({ data: String(e.data), reason: e.reason }))
  conn.addEventListener('statechange', (e) => seen.states.push(e.from + '>' + e.to + ' ' + e.event))
  conn.addEventListener('leaderchange', (e) => {
    seen.leaderchanges.push(e.leader)
    if (e.leader) window.report?.('leader', Date.now())
  })
  conn.addEventListener('open', () => {
    seen.opens++
    seen.firstOpenAt ||= Date.now()
    if (conn.leader) window.report?.('leader-open', Date.now())
  })
  conn.addEventListener('close', (e) => seen.closes.push({ code: e.code, cause: e.cause, willReconnect: e.willReconnect }))
}
`

export interface SharedPages {
  base: string
  close(): Promise<void>
}

export async function serveSharedPages(): Promise<SharedPages> {
  const bundle = await build({
    // heartline/shared, and heartline/resume for the pages that share a resumed session.
    stdin: {
      contents:
        "export * from './src/shared/index.ts'; export { resume, sessionOf } from './src/resume/index.ts'",
      resolveDir: new URL('../..', import.meta.url).pathname,
      loader: 'ts',
    },
    bundle: true,
    format: 'esm',
    platform: 'browser',
    write: false,
    logLevel: 'silent',
  })
  const js = bundle.outputFiles[0]?.text ?? ''
  const http: Server = createServer((req, res) => {
    if (req.url === '/shared.js') {
      res.writeHead(200, { 'content-type': 'text/javascript' })
      res.end(js)
      return
    }
    res.writeHead(200, { 'content-type': 'text/html' })
    res.end(
      `<!doctype html><title>heartline shared</title><script type="module">import * as shared from '/shared.js'; window.shared = shared; ${PAGE_SCRIPT}; window.ready = true</script>`,
    )
  })
  await new Promise<void>((resolve) => http.listen(0, '127.0.0.1', resolve))
  return {
    base: `http://127.0.0.1:${(http.address() as AddressInfo).port}/`,
    close: () => new Promise<void>((resolve) => http.close(() => resolve())),
  }
}

/** Opens a page in `context` and starts a shared connection to `url` in it, then runs `after` in the same task. */
export async function openTab(
  context: BrowserContext,
  base: string,
  url: string,
  options = '{}',
  after = '',
): Promise<Page> {
  const page = await context.newPage()
  await page.goto(base)
  await page.waitForFunction('window.ready === true')
  await page.evaluate(`window.start(${JSON.stringify(url)}, ${options}); ${after}`)
  return page
}

/** Polled, not slept: resolves as soon as `expression` holds in `page`. */
export function until(page: Page, expression: string, timeout = 10_000) {
  return page.waitForFunction(expression, undefined, { polling: 20, timeout })
}

/** The pages whose view currently leads. */
export async function leaders(pages: Page[]): Promise<Page[]> {
  const flags = await Promise.all(pages.map((p) => p.evaluate('window.conn.leader')))
  return pages.filter((_, i) => flags[i] === true)
}

/** What a shared-tab browser test works with; the fields are set by the hooks of `sharedTabWorld`. */
export interface SharedTabs {
  /** The served pages (one bundle per file). */
  pages: SharedPages
  browser: Browser
  /** A fresh browser context per test: one origin, one lock manager, one BroadcastChannel namespace. */
  context: BrowserContext
  /** A fresh counting server per test. */
  server: ControlledServer
}

/**
 * Registers the hooks every shared-tab browser file needs: the pages and Chromium
 * once per file, a fresh context and server per test, all closed after.
 */
export function sharedTabWorld(): SharedTabs {
  const tabs = {} as SharedTabs
  beforeAll(async () => {
    tabs.pages = await serveSharedPages()
    tabs.browser = await launchChromium()
  })
  afterAll(async () => {
    await tabs.browser?.close()
    await tabs.pages?.close()
  })
  beforeEach(async () => {
    tabs.server = await startControlledServer()
    tabs.context = await tabs.browser.newContext()
  })
  afterEach(async () => {
    await tabs.context.close()
    await tabs.server.close()
  })
  return tabs
}

/**
 * Stops the page's JavaScript with the DevTools debugger, as a frozen page runs
 * no task: the pause lands on the next statement the page runs, which a message
 * from `waker` on the 'wake' channel makes it run. The session stays paused.
 */
export async function hang(page: Page, cdp: CDPSession, waker: Page): Promise<void> {
  await page.evaluate(
    `window.wake = new BroadcastChannel('wake'); window.wake.onmessage = () => {}; 1`,
  )
  await cdp.send('Debugger.enable')
  const paused = new Promise((resolve) => cdp.once('Debugger.paused', resolve))
  await cdp.send('Debugger.pause')
  await waker.evaluate(`new BroadcastChannel('wake').postMessage('now'); 1`)
  await paused
}

/**
 * heartline/devtools as an app gets it: two pages built by Vite from the
 * installed tarball (test/helpers/packed.ts), one loading the panel on demand
 * with `await import('heartline/devtools')`, one never importing it. In
 * Chromium the panel shows the page's connection go connecting → open (the
 * server holds the handshake until the panel has shown `connecting`), then the
 * close on the timeline after the server closes the socket; `close()` removes it.
 */
import { mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs'
import { createServer, type Server } from 'node:http'
import { extname, join } from 'node:path'
import type { Duplex } from 'node:stream'
import { gzipSync } from 'node:zlib'
import type { Browser, Page } from 'playwright-core'
import { build } from 'vite'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { type WebSocket, WebSocketServer } from 'ws'
import { launchChromium } from './helpers/chromium.js'
import { type Packed, packed } from './helpers/packed.js'

const APP_PAGE = `
import { createConnection } from 'heartline'
const ws = new URLSearchParams(location.search).get('ws')
const conn = createConnection(ws, {
  heartbeat: { interval: 60000 },
  reconnect: { initialDelay: 100, maxDelay: 100, jitter: 'none' },
})
window.__app = { conn }
window.__app.ready = import('heartline/devtools').then(({ mountInspector }) => {
  window.__app.devtools = mountInspector(conn, { name: 'checkout' })
})
`
const PLAIN_PAGE = `
import { createConnection } from 'heartline'
window.__app = { conn: createConnection(new URLSearchParams(location.search).get('ws')) }
`
const HTML = `<!doctype html><html><head><meta charset="utf-8"><link rel="icon" href="data:,"></head>
<body><h3 id="own">The app's own heading</h3><ol><li id="own-row" class="row kind-close">own</li></ol>
<script type="module" src="./main.js"></script></body></html>`

interface Built {
  dir: string
  /** The JavaScript files, by name. */
  js: Map<string, string>
  entry: string
}

async function buildPage(pkg: Packed, name: string, source: string): Promise<Built> {
  const root = join(pkg.app, name)
  mkdirSync(root, { recursive: true })
  writeFileSync(join(root, 'index.html'), HTML)
  writeFileSync(join(root, 'main.js'), source)
  const outDir = join(root, 'dist')
  await build({
    root,
    configFile: false,
    logLevel: 'silent',
    base: './',
    build: { outDir, emptyOutDir: true, minify: true, reportCompressedSize: false },
  })
  const js = new Map<string, string>()
  for (const file of readdirSync(join(outDir, 'assets'))) {
    if (file.endsWith('.js')) js.set(file, readFileSync(join(outDir, 'assets', file), 'utf8'))
  }
  const html = readFileSync(join(outDir, 'index.html'), 'utf8')
  const entry = /assets\/([^"]+\.js)/.exec(html)?.[1] ?? ''
  return { dir: outDir, js, entry }
}

/** The built pages over HTTP, and the app's WebSocket server, which holds handshakes until released. */
function serve(dirs: Record<string, string>) {
  const held: Array<() => void> = []
  let hold = true
  const wss = new WebSocketServer({ noServer: true })
  const server: Server = createServer((req, res) => {
    const path = new URL(req.url ?? '/', 'http://x').pathname
    const [, page = '', ...rest] = path.split('/')
    const dir = dirs[page]
    if (!dir) return res.writeHead(404).end()
    try {
      const body = readFileSync(join(dir, rest.join('/') || 'index.html'))
      const type = extname(path) === '.js' ? 'text/javascript' : 'text/html'
      res.writeHead(200, { 'content-type': type }).end(body)
    } catch {
      res.writeHead(404).end()
    }
  })
  server.on('upgrade', (req, socket: Duplex, head) => {
    const accept = () => wss.handleUpgrade(req, socket, head, (ws) => wss.emit('connection', ws))
    if (hold) held.push(accept)
    else accept()
  })
  return {
    server,
    wss,
    release() {
      hold = false
      for (const accept of held.splice(0)) accept()
    },
  }
}

let pkg: Packed
let withDevtools: Built
let plain: Built
let browser: Browser
let page: Page
let site: ReturnType<typeof serve>
let origin = ''
const pageErrors: string[] = []

beforeAll(async () => {
  pkg = await packed()
  // Two builds into two folders, side by side.
  ;[withDevtools, plain] = await Promise.all([
    buildPage(pkg, 'with-devtools', APP_PAGE),
    buildPage(pkg, 'plain', PLAIN_PAGE),
  ])
  site = serve({ 'with-devtools': withDevtools.dir, plain: plain.dir })
  await new Promise<void>((resolve) => site.server.listen(0, '127.0.0.1', resolve))
  origin = `127.0.0.1:${(site.server.address() as { port: number }).port}`
  browser = await launchChromium()
}, 240_000)

afterAll(async () => {
  await browser?.close()
  for (const client of site?.wss.clients ?? []) client.terminate()
  site?.server.closeAllConnections()
  site?.server.close()
})

const panel = (selector: string) => page.locator(`[data-heartline-devtools] ${selector}`)

describe('heartline/devtools in a page built by Vite from the installed package', () => {
  it('is loaded on demand: the page that never imports it holds none of its code', () => {
    const marker = 'data-heartline-devtools'
    // The page that imports it on demand: a chunk of its own, not in the entry.
    const entry = withDevtools.js.get(withDevtools.entry) ?? ''
    expect(entry.includes(marker), 'the entry chunk holds the panel').toBe(false)
    const lazy = [...withDevtools.js].filter(([, code]) => code.includes(marker))
    expect(lazy.length).toBe(1)
    // The page that never imports it: none of the panel, the chart layout or elkjs.
    for (const [file, code] of plain.js) {
      expect(code.includes(marker), `${file} holds the panel`).toBe(false)
      expect(/elkjs|org\.eclipse\.elk/.test(code), `${file} holds elkjs`).toBe(false)
    }
    const chunk = lazy[0]?.[1] ?? ''
    console.log(
      `heartline/devtools chunk in the app's build: ${chunk.length} B minified, ${gzipSync(chunk).length} B gzip (loaded on demand)`,
    )
  })

  it('shows the connection going connecting → open, then the close on the timeline; close() removes it', async () => {
    let connected: WebSocket | undefined
    site.wss.on('connection', (ws) => {
      connected = ws
    })
    page = await browser.newPage()
    page.on('pageerror', (error) => pageErrors.push(error.message))
    await page.goto(`http://${origin}/with-devtools/?ws=ws://${origin}/app`)
    await page.evaluate(
      () => (window as unknown as { __app: { ready: Promise<void> } }).__app.ready,
    )
    // The server holds the handshake: the panel shows the connection connecting.
    await panel('#state[data-state="connecting"]').waitFor({ timeout: 20_000 })
    await panel('#list button').filter({ hasText: 'checkout' }).waitFor()
    await panel('#chart svg').waitFor({ timeout: 20_000 })
    expect(await panel('#chart .state.leaf.active').getAttribute('data-node-id')).toMatch(
      /connecting$/,
    )
    site.release()
    await panel('#state[data-state="open"]').waitFor({ timeout: 20_000 })
    await panel('#timeline li.kind-open').first().waitFor()
    expect(await panel('#chart .state.leaf.active').getAttribute('data-node-id')).toMatch(/open$/)
    // The server closes the socket: the close on the timeline, and a reconnect.
    connected?.close(4000, 'server says bye')
    await panel('#timeline li.kind-close')
      .filter({ hasText: '4000' })
      .first()
      .waitFor({ timeout: 20_000 })
    await panel('#timeline li.kind-reconnect').first().waitFor({ timeout: 20_000 })
    await page.screenshot({ path: 'test-results/devtools.png' })
    // Its own shadow root: the page's styles and the panel's do not meet.
    const leaks = await page.evaluate(() => ({
      accent: getComputedStyle(document.documentElement).getPropertyValue('--accent'),
      ownRowColor: getComputedStyle(document.getElementById('own-row') as Element).color,
      inShadow: document.querySelector('[data-heartline-devtools]')?.shadowRoot !== null,
      lightDomRows: document.querySelectorAll('#timeline').length,
    }))
    expect(leaks).toEqual({
      accent: '',
      ownRowColor: 'rgb(0, 0, 0)',
      inShadow: true,
      lightDomRows: 0,
    })
    await page.evaluate(() =>
      (window as unknown as { __app: { devtools: { close(): void } } }).__app.devtools.close(),
    )
    expect(await page.locator('[data-heartline-devtools]').count()).toBe(0)
    expect(pageErrors).toEqual([])
  })
})

/**
 * A page that loads the built package without a bundler (an import map for
 * `xstate` and heartline's own `#dev`, as docs/errors.md says): there is no
 * `process` in the page, the development switch must not throw, and a bad option
 * gets its full message, word for word as in Node.
 */
import { execFile } from 'node:child_process'
import { existsSync, readFileSync } from 'node:fs'
import { createServer, type Server } from 'node:http'
import type { AddressInfo } from 'node:net'
import { extname, join, normalize } from 'node:path'
import { promisify } from 'node:util'
import type { Browser } from 'playwright-core'
import { afterAll, beforeAll, expect, it } from 'vitest'
import { launchChromium } from './helpers/chromium.js'

const root = new URL('..', import.meta.url).pathname
let http: Server
let browser: Browser
let origin: string

const PAGE = `<!doctype html><title>bare</title>
<script type="importmap">{ "imports": {
  "xstate": "/node_modules/xstate/dist/xstate.esm.js",
  "#dev": "/dist/src/dev.js"
} }</script>
<script type="module">
import { createConnection } from '/dist/src/index.js'
window.hasProcess = typeof process !== 'undefined'
try {
  createConnection('ws://127.0.0.1:9/', { heartbeat: { interval: 'soon' } })
  window.result = 'no error'
} catch (error) {
  window.result = error.name + ': ' + error.message
}
</script>`

beforeAll(async () => {
  if (!existsSync(join(root, 'dist/src/index.js'))) {
    await promisify(execFile)('npm', ['run', 'build'], { cwd: root })
  }
  http = createServer((req, res) => {
    const path = normalize(decodeURIComponent(new URL(req.url ?? '/', 'http://x').pathname))
    if (path === '/') {
      res.writeHead(200, { 'content-type': 'text/html' }).end(PAGE)
      return
    }
    if (!/^\/(dist|node_modules\/xstate)\//.test(path) || !existsSync(join(root, path))) {
      res.writeHead(404).end()
      return
    }
    const type = extname(path) === '.js' ? 'text/javascript' : 'application/octet-stream'
    res.writeHead(200, { 'content-type': type }).end(readFileSync(join(root, path)))
  })
  await new Promise<void>((resolve) => http.listen(0, '127.0.0.1', resolve))
  origin = `http://127.0.0.1:${(http.address() as AddressInfo).port}`
  browser = await launchChromium()
}, 120_000)

afterAll(async () => {
  await browser?.close()
  await new Promise<void>((resolve) => (http ? http.close(() => resolve()) : resolve()))
})

it('runs without a bundler: no process, no throw from the switch, the full message', async () => {
  const page = await browser.newPage()
  const problems: string[] = []
  page.on('pageerror', (error) => problems.push(error.message))
  await page.goto(`${origin}/`)
  await page.waitForFunction(() => 'result' in window || false, undefined, { timeout: 30_000 })
  expect(problems).toEqual([])
  expect(await page.evaluate(() => (window as unknown as { hasProcess: boolean }).hasProcess)).toBe(
    false,
  )
  expect(await page.evaluate(() => (window as unknown as { result: string }).result)).toBe(
    'TypeError: heartline: `heartbeat.interval` must be a number of milliseconds; got "soon".',
  )
  await page.close()
})

/**
 * The conformance table in headless Chromium: one page runs every row twice, once
 * with the browser's own WebSocket and once with heartline's Connection, and the
 * observable results must be identical row by row, except for the documented
 * deviations and the rows listed in KNOWN_DIFFERENCES.chromium (which must still
 * differ: a fixed row is removed from that list). The page is bundled as an
 * app's bundler builds heartline for the browser: `#dev` resolves by its
 * `browser` condition (src/dev.browser.ts, with the browser's message path).
 */
import { readFileSync } from 'node:fs'
import { build, type Plugin } from 'esbuild'
import type { Browser } from 'playwright-core'
import { afterAll, beforeAll, expect, it } from 'vitest'
import { BEHAVIOURS, type Json } from './conformance/behaviours.js'
import { compare, deviationTables, summary } from './conformance/compare.js'
import { KNOWN_DIFFERENCES } from './conformance/known-differences.js'
import { type ConformanceServer, startConformanceServer } from './conformance/server.js'
import { launchChromium } from './helpers/chromium.js'

let server: ConformanceServer
let browser: Browser

/** `#dev` as a bundler building for the browser resolves it (its `browser` condition). */
const browserDev: Plugin = {
  name: 'dev-browser-condition',
  setup(b) {
    const file = new URL('../src/dev.browser.ts', import.meta.url).pathname
    b.onResolve({ filter: /^#dev$/ }, () => ({ path: file }))
  },
}

beforeAll(async () => {
  const bundle = await build({
    entryPoints: [new URL('./conformance/page.ts', import.meta.url).pathname],
    bundle: true,
    format: 'iife',
    platform: 'browser',
    write: false,
    plugins: [browserDev],
  })
  // The swap took place: the browser modules are in the page, the Node event class is not.
  expect(bundle.outputFiles[0]?.text).toContain('src/dev.browser.ts')
  expect(bundle.outputFiles[0]?.text).not.toContain('class HeartlineMessageEvent')
  const js = bundle.outputFiles[0]?.text ?? ''
  server = await startConformanceServer({
    html: '<!doctype html><title>conformance</title><script src="/conformance.js"></script>',
    js,
  })
  browser = await launchChromium()
})

afterAll(async () => {
  await browser?.close()
  await server?.close()
})

it("behaves like the browser's own WebSocket on every row of the table", async () => {
  const page = await browser.newPage()
  const errors: string[] = []
  page.on('pageerror', (error) => errors.push(String(error)))
  await page.goto(`http://127.0.0.1:${server.port}/`)
  const { reference, heartline } = (await page.evaluate(
    `runConformance(${JSON.stringify(`ws://127.0.0.1:${server.port}`)})`,
  )) as { reference: Record<string, Json>; heartline: Record<string, Json> }
  await page.close()
  if (process.env.CONFORMANCE_DUMP) console.log(JSON.stringify({ reference, heartline }, null, 1))
  const result = compare(BEHAVIOURS, reference, heartline, 'chromium', KNOWN_DIFFERENCES.chromium)
  console.log(summary('chromium', result))
  expect(result.failed).toEqual([])
  expect(result.undocumented).toEqual([])
  expect(result.unexpected).toEqual([])
  expect(result.stale).toEqual([])
  expect(result.deviations).toHaveLength(BEHAVIOURS.filter((r) => r.deviation).length)
  // Every row ran in the page, browser-only ones included.
  expect(Object.keys(reference)).toHaveLength(BEHAVIOURS.length)
  expect(errors).toEqual([])
  // The README and docs/drop-in.md state these counts: they must say what the suite measured.
  const claim = `${result.identical.length} behaviours identical, ${result.deviations.length} documented deviations`
  const dropIn = readFileSync(new URL('../docs/drop-in.md', import.meta.url), 'utf8')
  const { docs, rows } = deviationTables(BEHAVIOURS, dropIn)
  expect(docs).toEqual(rows)
  for (const file of ['README.md', 'docs/drop-in.md']) {
    const text = readFileSync(new URL(`../${file}`, import.meta.url), 'utf8').replace(/\s+/g, ' ')
    expect(text.replace(/\*\*/g, '').replace(/ to the browser's WebSocket;/, ','), file).toContain(
      claim,
    )
  }
})

/**
 * The shared-tabs hand-off in headless Chromium: two tabs share one socket; the
 * leader's page is closed and the time until the other tab's own socket is open
 * is measured (page-side Date.now() at `open` minus Node's Date.now() just before
 * `page.close()`, one machine clock). The baseline, measured in the same runs, is
 * a fresh tab's first connect (createSharedConnection → open in the first tab).
 *
 *   node --import tsx bench/handoff.ts [runs]   (default 20)
 */
import type { Page } from 'playwright-core'
import { launchChromium } from '../test/helpers/chromium.js'
import { startControlledServer as startServer } from '../test/helpers/controlled-server.js'
import { leaders, openTab, serveSharedPages, until } from '../test/helpers/shared-pages.js'
import { stats } from './lib.js'

const runs = Number(process.argv[2] ?? 20)
const pages = await serveSharedPages()
const browser = await launchChromium()
const server = await startServer()
const handoffs: number[] = []
const connects: number[] = []
const newConnections: number[] = []

try {
  for (let run = 0; run < runs; run++) {
    const context = await browser.newContext()
    let leaderOpenAt = 0
    await context.exposeFunction('report', (what: string, at: number) => {
      if (what === 'leader-open') leaderOpenAt = at
    })
    const first = await openTab(context, pages.base, server.url)
    await until(first, `window.conn.state === 'open'`)
    const second = await openTab(context, pages.base, server.url)
    await until(second, `window.conn.state === 'open'`)
    const [leader] = await leaders([first, second])
    if (leader !== first) throw new Error('the first tab should lead')
    const seen = (await first.evaluate('window.seen')) as { startedAt: number; firstOpenAt: number }
    connects.push(seen.firstOpenAt - seen.startedAt)

    const before = server.connections
    leaderOpenAt = 0
    const closedAt = Date.now()
    await first.close()
    await until(second as Page, `window.conn.leader && window.conn.state === 'open'`)
    await server.when(() => server.connections === before + 1, 'the new connection')
    handoffs.push(leaderOpenAt - closedAt)
    newConnections.push(server.connections - before)
    await context.close()
  }
} finally {
  await browser.close()
  await server.close()
  await pages.close()
}

const h = stats(handoffs)
const c = stats(connects)
const row = (name: string, s: typeof h) =>
  `| ${name} | ${s.median.toFixed(0)} | ${s.min.toFixed(0)} | ${s.max.toFixed(0)} |`
console.log(`hand-off over ${runs} runs (ms, leader page closed → next tab open)`)
console.log('| measure | median | min | max |\n|---|---|---|---|')
console.log(row('hand-off', h))
console.log(row('baseline: first tab connect', c))
console.log(`ratio hand-off / first connect (medians): ${(h.median / c.median).toFixed(2)}`)
console.log(`new server connections per hand-off: ${[...new Set(newConnections)].join(', ')}`)
console.log(`runs: ${handoffs.join(' ')}`)

/**
 * The shared-tabs hand-off in headless Chromium: two tabs share one socket; the
 * leader's page is closed and the time until the other tab's own socket is open
 * is measured (page-side Date.now() at `open` minus Node's Date.now() just before
 * `page.close()`, one machine clock). The baseline, measured in the same runs, is
 * a fresh tab's first connect (createSharedConnection → open in the first tab).
 *
 *   node --import tsx bench/handoff.ts [runs]   (default 20)
 *
 * With `--resume`, both tabs use heartline/resume against a session server
 * (acceptSessions), and the follower sends a burst of 200 messages right before
 * the leader's page is closed: the hand-off then ends when the next leader's
 * socket resumed the session, and the figures add the messages the follower
 * sent again under it (those the server received after the resume, plus any
 * it skipped as already held) and check that each of the burst arrived once.
 *
 *   node --import tsx bench/handoff.ts [runs] --resume
 */
import type { AddressInfo } from 'node:net'
import type { Page } from 'playwright-core'
import { WebSocketServer } from 'ws'
import { acceptSessions } from '../src/server/index.js'
import { startControlledServer as startServer } from '../test/helpers/controlled-server.js'
import { leaders, openTab, serveSharedPages, until } from '../test/helpers/shared-pages.js'
import { launchOwnChromium } from './chromium.js'
import { stats } from './lib.js'

const runs = Number(process.argv.slice(2).find((a) => /^\d+$/.test(a)) ?? 20)
const withResume = process.argv.includes('--resume')
const BURST = 200
const pages = await serveSharedPages()
const browser = await launchOwnChromium()
const server = withResume ? await startSessionServer() : await startServer()
const options = withResume
  ? `{ name: 'bench', resume: window.shared.resume(), lifecycle: false }`
  : '{}'
const resent: number[] = []
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
    const first = await openTab(context, pages.base, server.url, options)
    await until(first, `window.conn.state === 'open'`)
    const second = await openTab(context, pages.base, server.url, options)
    await until(second, `window.conn.state === 'open'`)
    const [leader] = await leaders([first, second])
    if (leader !== first) throw new Error('the first tab should lead')
    const seen = (await first.evaluate('window.seen')) as { startedAt: number; firstOpenAt: number }
    connects.push(seen.firstOpenAt - seen.startedAt)

    const before = server.connections
    leaderOpenAt = 0
    if (withResume) {
      await second.evaluate(`for (let i = 0; i < ${BURST}; i++) window.conn.send('r${run}-' + i)`)
    }
    const closedAt = Date.now()
    await first.close()
    await until(second as Page, `window.conn.leader && window.conn.state === 'open'`)
    await server.when(() => server.connections === before + 1, 'the new connection')
    if ('resumes' in server) {
      await server.when(() => server.resumes > run, 'the resumed session')
      await until(second as Page, 'window.conn.queued === 0')
      const mine = server.received.filter((m) => m.startsWith(`r${run}-`))
      if (mine.length !== BURST || new Set(mine).size !== BURST)
        throw new Error(
          `run ${run}: ${mine.length} of the burst arrived (${new Set(mine).size} distinct)`,
        )
      resent.push(server.afterResume(run) + server.skipped())
      handoffs.push(server.resumedAt - closedAt)
    } else handoffs.push(leaderOpenAt - closedAt)
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
console.log(
  `hand-off over ${runs} runs (ms, leader page closed → ${withResume ? 'session resumed by the next tab' : 'next tab open'})`,
)
console.log('| measure | median | min | max |\n|---|---|---|---|')
console.log(row('hand-off', h))
console.log(row('baseline: first tab connect', c))
console.log(`ratio hand-off / first connect (medians): ${(h.median / c.median).toFixed(2)}`)
console.log(`new server connections per hand-off: ${[...new Set(newConnections)].join(', ')}`)
console.log(`runs: ${handoffs.join(' ')}`)
if (withResume) {
  const r = stats(resent)
  console.log(
    `messages sent again per hand-off (of a ${BURST}-message burst just before it): median ${r.median}, min ${r.min}, max ${r.max}; each burst arrived exactly once`,
  )
}

/** A session server on port 0 counting connections, resumes and the messages its application received. */
async function startSessionServer() {
  const wss = new WebSocketServer({ host: '127.0.0.1', port: 0 })
  await new Promise<void>((resolve) => wss.once('listening', () => resolve()))
  const sessions = acceptSessions(wss)
  const s = {
    url: `ws://127.0.0.1:${(wss.address() as AddressInfo).port}/`,
    connections: 0,
    resumes: 0,
    resumedAt: 0,
    received: [] as string[],
    frames: 0,
    /** How many messages arrived after the resume of run `run`. */
    marks: [] as number[],
    afterResume: (run: number) => s.received.length - (s.marks[run] ?? 0),
    /** Frames the server skipped as already held, since the last call. */
    skipped: () => {
      const n = s.frames - s.received.length
      s.frames = s.received.length
      return n
    },
    when: async (condition: () => boolean, what: string) => {
      for (let i = 0; i < 1000 && !condition(); i++) await new Promise((r) => setTimeout(r, 10))
      if (!condition()) throw new Error(`timed out waiting for ${what}`)
    },
    close: () => new Promise<void>((resolve) => wss.close(() => resolve())),
  }
  wss.on('connection', (ws) => {
    s.connections++
    ws.on('message', (data, binary) => {
      if (!binary && String(data).startsWith('M')) s.frames++
    })
  })
  sessions.on('attach', (_session, info) => {
    if (!info.resumed) return
    s.marks[s.resumes++] = s.received.length
    s.resumedAt = Date.now()
  })
  sessions.on('session', (session) => session.on('message', (d) => s.received.push(String(d))))
  return s
}

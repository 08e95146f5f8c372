/**
 * heartline/shared with heartline/resume in real headless Chromium: the
 * session outlives the leader tab. Three tabs (A, B, C) share one socket to a
 * session server; each sends 1,000 messages and the server sends 1,000. The
 * leader's page goes twice (A, then B) while the other tabs have a burst of
 * messages in flight and the server is sending: the leader is hung first (the
 * DevTools debugger's pause, as in browser-shared-crash.test.ts), so the
 * followers' burst and the server's messages certainly wait unanswered, then
 * its renderer crashes. Each next leader resumes the same session and the
 * followers send again what the server did not hold.
 * Every tab's messages reach the server exactly once and in order; each tab
 * receives the server's messages exactly once and in order (A and B until
 * their page closed, C all 1,000); no `drop` anywhere.
 *
 * A tab's own page going takes its unsent messages with it (nobody is left to
 * send them), so A and B go once the server holds all of theirs: what is in
 * flight at each hand-off is the followers' messages and the server's.
 */
import type { AddressInfo } from 'node:net'
import type { CDPSession, Page } from 'playwright-core'
import { afterEach, beforeEach, expect, it } from 'vitest'
import { WebSocketServer } from 'ws'
import { acceptSessions } from '../src/server/index.js'
import { hang, leaders, openTab, sharedTabWorld, until } from './helpers/shared-pages.js'

const world = sharedTabWorld()
const COUNT = 1000

interface SessionServer {
  url: string
  /** Every client message the server's application received, in order. */
  received: string[]
  /** Client message frames that reached the server, replays of what it held included. */
  frames: number
  sessions: number
  attaches: Array<{ resumed: boolean }>
  /** Sends `s-<from>` … `s-<to - 1>` on the session, in order. */
  send(from: number, to: number): void
  close(): Promise<void>
}

let server: SessionServer

beforeEach(async () => {
  const wss = new WebSocketServer({ host: '127.0.0.1', port: 0 })
  await new Promise<void>((resolve) => wss.once('listening', () => resolve()))
  const sessions = acceptSessions(wss, { ackDelay: 20 })
  const s: SessionServer = {
    url: `ws://127.0.0.1:${(wss.address() as AddressInfo).port}/`,
    received: [],
    frames: 0,
    sessions: 0,
    attaches: [],
    send: () => undefined,
    close: async () => {
      for (const ws of wss.clients) ws.terminate()
      await new Promise<void>((resolve) => wss.close(() => resolve()))
    },
  }
  wss.on('connection', (ws) =>
    ws.on('message', (data, binary) => {
      if (!binary && String(data).startsWith('M')) s.frames++
    }),
  )
  sessions.on('attach', (_session, info) => s.attaches.push({ resumed: info.resumed }))
  sessions.on('session', (session) => {
    s.sessions++
    session.on('message', (data) => s.received.push(String(data)))
    s.send = (from, to) => {
      for (let i = from; i < to; i++) void session.send(`s-${i}`)
    }
  })
  server = s
})

afterEach(() => server.close())

const OPTIONS = `{ name: 'resumed', resume: window.shared.resume({ ackDelay: 20 }), lifecycle: false }`
const sendRange = (page: Page, tab: string, from: number, to: number) =>
  page.evaluate(
    `(() => { for (let i = ${from}; i < ${to}; i++) window.conn.send('${tab}-' + i); return true })()`,
  )
const fromTab = (tab: string) => server.received.filter((m) => m.startsWith(`${tab}-`))
const range = (tab: string, from: number, to: number) =>
  Array.from({ length: to - from }, (_, i) => `${tab}-${from + i}`)
const messages = (page: Page) => page.evaluate('window.seen.messages') as Promise<string[]>
/** Hangs `page` (see hang) on a DevTools session of its own, returned for the crash after. */
async function hangTab(page: Page, waker: Page): Promise<CDPSession> {
  const cdp = await world.context.newCDPSession(page)
  await hang(page, cdp, waker)
  return cdp
}

/** Crashes the page's renderer; `Page.crash` never answers, so its reply is not awaited. */
async function crash(page: Page, cdp: CDPSession): Promise<void> {
  const crashed = new Promise((resolve) => page.once('crash', resolve))
  cdp.send('Page.crash').catch(() => undefined)
  await crashed
}

async function waitFor(condition: () => boolean, what: string): Promise<void> {
  for (let i = 0; i < 1500 && !condition(); i++) await new Promise((r) => setTimeout(r, 10))
  if (!condition()) throw new Error(`timed out waiting for ${what}`)
}

it('three tabs, two leader hand-offs, resume on: every message exactly once, in order, no drop', async () => {
  const started = Date.now()
  const a = await openTab(world.context, world.pages.base, server.url, OPTIONS)
  await until(a, `window.conn.leader && window.conn.state === 'open'`)
  const b = await openTab(world.context, world.pages.base, server.url, OPTIONS)
  const c = await openTab(world.context, world.pages.base, server.url, OPTIONS)
  await Promise.all([b, c].map((p) => until(p, `window.conn.state === 'open'`)))
  expect(await leaders([a, b, c])).toEqual([a])

  // Before the first hand-off: A sends all of its messages, B and C the first 300 each.
  server.send(0, 300)
  await Promise.all([
    sendRange(a, 'A', 0, COUNT),
    sendRange(b, 'B', 0, 300),
    sendRange(c, 'C', 0, 300),
  ])
  await waitFor(() => fromTab('A').length === COUNT, "all of A's messages at the server")
  await until(b, `window.seen.messages.length >= 300`)
  await Promise.all([b, c].map((p) => until(p, 'window.conn.queued === 0')))
  // In flight at the hand-off: a burst from each follower, and the server's next 300.
  const aReceived = await messages(a)
  const cdpA = await hangTab(a, b)
  await Promise.all([sendRange(b, 'B', 300, 600), sendRange(c, 'C', 300, 500)])
  server.send(300, 600)
  await until(b, 'window.conn.queued === 300')
  await until(c, 'window.conn.queued === 200')
  await crash(a, cdpA)
  await until(b, `window.conn.leader && window.conn.state === 'open'`)

  // Under B: B sends the rest of its own, C some more; then B's page goes too.
  await Promise.all([sendRange(b, 'B', 600, COUNT), sendRange(c, 'C', 500, 700)])
  await waitFor(() => fromTab('B').length === COUNT, "all of B's messages at the server")
  await until(c, 'window.conn.queued === 0')
  const bReceived = await messages(b)
  const cdpB = await hangTab(b, c)
  await sendRange(c, 'C', 700, 900)
  server.send(600, 800)
  await until(c, 'window.conn.queued === 200')
  await crash(b, cdpB)
  await until(c, `window.conn.leader && window.conn.state === 'open'`)

  // C leads: the rest of its messages and the server's.
  await sendRange(c, 'C', 900, COUNT)
  server.send(800, COUNT)
  await waitFor(() => fromTab('C').length >= COUNT, "all of C's messages at the server")
  await until(c, `window.seen.messages.length >= ${COUNT}`)

  for (const tab of ['A', 'B', 'C']) expect(fromTab(tab), tab).toEqual(range(tab, 0, COUNT))
  expect(server.received).toHaveLength(3 * COUNT)
  const sent = range('s', 0, COUNT)
  expect(aReceived).toEqual(sent.slice(0, aReceived.length))
  expect(bReceived).toEqual(sent.slice(0, bReceived.length))
  expect(await messages(c)).toEqual(sent)
  expect(await c.evaluate('window.seen.drops')).toEqual([])
  expect(await c.evaluate('window.conn.queued')).toBe(0)
  // One session throughout: each next leader's socket resumed it.
  expect(server.sessions).toBe(1)
  expect(server.attaches.map((x) => x.resumed)).toEqual([false, true, true])
  // The followers' bursts (500, then 200) were held unconfirmed at the hand-offs
  // and went out again under the resumed session; none reached the server twice
  // but the server would have skipped any that did (frames beyond 3,000).
  console.log(
    `shared resume: ${Date.now() - started} ms; client frames ${server.frames} for ${3 * COUNT} messages (${server.frames - 3 * COUNT} written twice)`,
  )
})

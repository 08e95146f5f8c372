/**
 * `heartline/shared` in real headless Chromium: several pages of one browser
 * context (one origin, so one lock manager and one BroadcastChannel namespace)
 * against a real `ws` server that counts its connections.
 */
import { once } from 'node:events'
import { createServer } from 'node:http'
import type { AddressInfo } from 'node:net'
import type { Page } from 'playwright-core'
import { describe, expect, it } from 'vitest'
import { WebSocketServer } from 'ws'
import { startControlledServer as startServer } from './helpers/controlled-server.js'
import { leaders, openTab, sharedTabWorld, until } from './helpers/shared-pages.js'

const world = sharedTabWorld()

const tab = (options = '{}') => openTab(world.context, world.pages.base, world.server.url, options)
const openTabs = (n: number) => Promise.all(Array.from({ length: n }, () => tab()))
const allOpen = (tabs: Page[]) =>
  Promise.all(tabs.map((p) => until(p, `window.conn.state === 'open'`)))
const broadcast = (data: string) => {
  for (const client of world.server.clients()) client.send(data)
}

/**
 * From now on, logs the delay of every timer that runs in `page` (the
 * connection's clock and the shared layer reach the page's own setTimeout).
 */
function logTimers(page: Page): Promise<unknown> {
  return page.evaluate(`(() => {
    const fired = (window.firedTimers = [])
    const original = window.setTimeout
    window.setTimeout = (fn, ms, ...args) =>
      original(() => (fired.push(ms ?? 0), fn(...args)), ms)
  })()`)
}

describe('one socket for all tabs (Chromium)', () => {
  it('three tabs share one connection; every send arrives once and every broadcast reaches each tab once', async () => {
    const tabs = await openTabs(3)
    await allOpen(tabs)
    expect(await leaders(tabs)).toHaveLength(1)
    expect(world.server.connections).toBe(1)

    const expected: string[] = []
    for (const [i, page] of tabs.entries()) {
      const batch = Array.from({ length: 20 }, (_, k) => `t${i}-${k}`)
      expected.push(...batch)
      expect(
        await page.evaluate(`${JSON.stringify(batch)}.map((m) => window.conn.send(m))`),
      ).toEqual(batch.map(() => true))
    }
    await world.server.when(
      () => world.server.received.length >= expected.length,
      'all 60 messages',
    )
    // A last message per tab after its batch: a duplicate of the batch would precede it.
    for (const [i, page] of tabs.entries()) await page.evaluate(`window.conn.send('end-${i}')`)
    await world.server.when(
      () => world.server.received.filter((m) => m.startsWith('end-')).length === 3,
      'the ends',
    )
    expect([...world.server.received].sort()).toEqual(
      [...expected, 'end-0', 'end-1', 'end-2'].sort(),
    )
    // Each tab's own messages arrive in the order it sent them.
    for (let i = 0; i < 3; i++) {
      const mine = world.server.received.filter((m) => m.startsWith(`t${i}-`))
      expect(mine).toEqual(expected.filter((m) => m.startsWith(`t${i}-`)))
    }

    const sent = Array.from({ length: 10 }, (_, k) => `b${k}`)
    for (const data of [...sent, 'b-end']) broadcast(data)
    await Promise.all(tabs.map((p) => until(p, `window.seen.messages.includes('b-end')`)))
    for (const page of tabs) {
      expect(await page.evaluate('window.seen.messages')).toEqual([...sent, 'b-end'])
      expect(await page.evaluate('window.seen.drops')).toEqual([])
    }
    expect(world.server.connections).toBe(1)
  })

  it('closing the leader page: another tab leads with exactly one new connection, without waiting on any timer; a later tab joins it', async () => {
    let leaderOpenAt = 0
    await world.context.exposeFunction('report', (what: string, at: number) => {
      if (what === 'leader-open') leaderOpenAt = at
    })
    const tabs = await openTabs(3)
    await allOpen(tabs)
    const [first] = await leaders(tabs)
    if (!first) throw new Error('no leader')
    const rest = tabs.filter((p) => p !== first)
    // The hand-off comes from the lock's release and the socket's events alone:
    // no timer runs in the remaining tabs until the new connection is made (a
    // timer in that path would show here, where a wall-clock bound could only
    // suggest it).
    await Promise.all(rest.map((p) => logTimers(p)))
    leaderOpenAt = 0
    const closedAt = Date.now()
    await first.close()
    await world.server.when(() => world.server.connections === 2, 'the new leader’s connection')
    const newConnectionMs = Date.now() - closedAt
    for (const page of rest) expect(await page.evaluate('window.firedTimers')).toEqual([])
    // Every remaining tab opens a second time: on the new leader's socket.
    await Promise.all(
      rest.map((p) => until(p, `window.seen.opens === 2 && window.conn.state === 'open'`)),
    )
    const next = await leaders(rest)
    expect(next).toHaveLength(1)
    console.log(
      `hand-off: new connection after ${newConnectionMs} ms, new leader open after ${leaderOpenAt - closedAt} ms`,
    )
    for (const page of rest) {
      const seen = (await page.evaluate('window.seen')) as {
        closes: Array<{ cause: string; willReconnect: boolean }>
        states: string[]
      }
      // What a single-tab connection shows when its socket is replaced: a close
      // that will reconnect, connecting, then open again.
      expect(seen.closes).toEqual([{ code: 1001, cause: 'leader-gone', willReconnect: true }])
      expect(seen.states.slice(-2)[0]).toBe('open>connecting leader.gone')
    }

    // Sent at once, before this tab has heard who leads: it waits, then goes through the leader.
    const later = await openTab(
      world.context,
      world.pages.base,
      world.server.url,
      '{}',
      `window.early = window.conn.state; window.conn.send('from-later')`,
    )
    expect(await later.evaluate('window.early')).toBe('connecting')
    await until(later, `window.conn.state === 'open'`)
    expect(await later.evaluate('window.conn.leader')).toBe(false)
    await world.server.when(
      () => world.server.received.includes('from-later'),
      'the later tab’s message',
    )
    broadcast('to-all')
    await Promise.all(
      [...rest, later].map((p) => until(p, `window.seen.messages.includes('to-all')`)),
    )
    expect(world.server.connections).toBe(2)
  })

  it('reports a message handed to a leader that goes away before writing it as a drop (handoff)', async () => {
    // Nothing listens on the leader's URL yet, so the leader holds the message in its queue.
    const probe = await startServer()
    const deadUrl = probe.url
    await probe.close()
    const a = await openTab(
      world.context,
      world.pages.base,
      deadUrl,
      '{ reconnect: { initialDelay: 50 } }',
    )
    await until(a, 'window.conn.leader')
    const b = await openTab(
      world.context,
      world.pages.base,
      deadUrl,
      '{ reconnect: { initialDelay: 50 } }',
    )
    await until(b, 'window.seen.leaderchanges.length === 1')
    expect(await b.evaluate(`window.conn.send('in-flight')`)).toBe(true)
    await until(a, 'window.conn.queued === 1')
    await a.close()
    await until(b, 'window.conn.leader && window.seen.drops.length === 1')
    expect(await b.evaluate('window.seen.drops')).toEqual([
      { data: 'in-flight', reason: 'handoff' },
    ])
    expect(await b.evaluate('window.seen.leaderchanges')).toEqual([false, true])
  })

  it('close() ends one tab’s view only; the socket closes when the last tab lets go', async () => {
    const tabs = await openTabs(2)
    await allOpen(tabs)
    const [leader] = await leaders(tabs)
    const follower = tabs.find((p) => p !== leader) as Page
    if (!leader) throw new Error('no leader')
    await leader.evaluate('window.conn.close()')
    expect(await leader.evaluate('window.conn.state')).toBe('closed')
    expect(await leader.evaluate(`window.conn.send('after-close')`)).toBe(false)
    expect(await leader.evaluate('window.seen.drops')).toEqual([
      { data: 'after-close', reason: 'closed' },
    ])
    // The follower keeps the same socket, still relayed by the closed view's tab.
    expect(await follower.evaluate('window.conn.state')).toBe('open')
    await follower.evaluate(`window.conn.send('still-here')`)
    await world.server.when(
      () => world.server.received.includes('still-here'),
      'the follower’s message',
    )
    broadcast('still-shared')
    await until(follower, `window.seen.messages.includes('still-shared')`)
    expect(await leader.evaluate('window.seen.messages')).toEqual([])
    expect(world.server.clients()).toHaveLength(1)
    expect(world.server.connections).toBe(1)

    await follower.evaluate('window.conn.close()')
    await world.server.when(() => world.server.clients().length === 0, 'the socket closing')
    expect(world.server.connections).toBe(1)
  })

  it('reconnect() in a follower reconnects the shared socket; after close() it rejoins without a new connection', async () => {
    const tabs = await openTabs(2)
    await allOpen(tabs)
    const [leader] = await leaders(tabs)
    const follower = tabs.find((p) => p !== leader) as Page
    await follower.evaluate('window.conn.reconnect()')
    await world.server.when(() => world.server.connections === 2, 'the fresh attempt')
    await allOpen(tabs)
    await follower.evaluate('window.conn.close()')
    expect(await follower.evaluate('window.conn.state')).toBe('closed')
    await follower.evaluate('window.conn.reconnect()')
    await until(follower, `window.conn.state === 'open'`)
    expect(await follower.evaluate('window.conn.leader')).toBe(false)
    await follower.evaluate(`window.conn.send('rejoined')`)
    await world.server.when(
      () => world.server.received.includes('rejoined'),
      'the rejoined tab’s message',
    )
    expect(world.server.connections).toBe(2)
  })

  it('extensions: the leader socket’s, from the announcement for a tab that joins, then from each relayed open', async () => {
    // The first socket negotiates permessage-deflate (RFC 7692), the next ones nothing.
    const deflate = new WebSocketServer({ noServer: true, perMessageDeflate: true })
    const plain = new WebSocketServer({ noServer: true })
    let upgrades = 0
    const http = createServer()
    http.on('upgrade', (req, socket, head) => {
      const wss = upgrades++ === 0 ? deflate : plain
      wss.handleUpgrade(req, socket, head, () => undefined)
    })
    http.listen(0, '127.0.0.1')
    await once(http, 'listening')
    const url = `ws://127.0.0.1:${(http.address() as AddressInfo).port}/`
    try {
      const a = await openTab(world.context, world.pages.base, url)
      await until(a, `window.conn.state === 'open'`)
      const negotiated = (await a.evaluate('window.conn.extensions')) as string
      expect(negotiated).toMatch(/^permessage-deflate/)
      // Read in the task that created it: before it has heard from the leader.
      const b = await openTab(
        world.context,
        world.pages.base,
        url,
        '{}',
        'window.early = window.conn.extensions',
      )
      expect(await b.evaluate('window.early')).toBe('')
      await until(b, `window.conn.state === 'open'`)
      expect(await b.evaluate('window.conn.leader')).toBe(false)
      expect(await b.evaluate('window.conn.extensions')).toBe(negotiated)
      // A fresh socket without extensions: the follower learns it from the relayed open.
      await b.evaluate('window.conn.reconnect()')
      await until(b, `window.seen.opens === 2 && window.conn.state === 'open'`)
      expect(upgrades).toBe(2)
      expect(await a.evaluate('window.conn.extensions')).toBe('')
      expect(await b.evaluate('window.conn.extensions')).toBe('')
    } finally {
      for (const wss of [deflate, plain]) for (const client of wss.clients) client.terminate()
      http.closeAllConnections()
      await new Promise<void>((resolve) => http.close(() => resolve()))
    }
  })
})

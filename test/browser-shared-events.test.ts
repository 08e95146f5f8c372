import { describe, expect, it } from 'vitest'
import { leaders, openTab, sharedTabWorld, until } from './helpers/shared-pages.js'

const world = sharedTabWorld()

/** Runs in the page right after `start()`, in the same task: before any event. */
const RECORD = `
const c = window.conn
const ev = (window.ev = { onceOpens: 0, aborted: 0, order: [], seen: [] })
const check = function (e) {
  ev.seen.push({
    type: e.type,
    event: e instanceof Event,
    target: e.target === c,
    currentTarget: e.currentTarget === c,
    self: this === c,
    kind: e instanceof MessageEvent ? 'MessageEvent' : e instanceof CloseEvent ? 'CloseEvent' : 'Event',
    origin: e.origin,
    code: e.code,
    leader: e.leader,
  })
}
for (const type of ['open', 'message', 'close', 'statechange', 'leaderchange']) c.addEventListener(type, check)
c.addEventListener('open', () => ev.onceOpens++, { once: true })
c.addEventListener('open', () => ev.order.push('first'))
c.onopen = function () { ev.order.push(this === c ? 'onopen' : 'onopen with a wrong this') }
c.addEventListener('open', () => ev.order.push('last'))
const abort = new AbortController()
c.addEventListener('open', () => ev.aborted++, { signal: abort.signal })
abort.abort()
`

interface Seen {
  type: string
  event: boolean
  target: boolean
  currentTarget: boolean
  self: boolean
  kind: string
  origin?: string
  code?: number
  leader?: boolean
}

describe('a shared connection’s events (Chromium)', () => {
  it('are real Events targeted at the shared connection; once, signal and onopen’s place hold across a hand-off', async () => {
    const first = await openTab(world.context, world.pages.base, world.server.url)
    await until(first, `window.conn.state === 'open'`)
    const tab = await openTab(world.context, world.pages.base, world.server.url, '{}', RECORD)
    await until(tab, `window.conn.state === 'open'`)
    expect(await tab.evaluate('window.conn.leader')).toBe(false)
    for (const client of world.server.clients()) client.send('as-follower')
    await until(tab, `window.seen.messages.includes('as-follower')`)

    await first.close()
    await until(tab, `window.conn.leader && window.seen.opens === 2`)
    expect(await leaders([tab])).toHaveLength(1)
    for (const client of world.server.clients()) client.send('as-leader')
    await until(tab, `window.seen.messages.includes('as-leader')`)

    const ev = (await tab.evaluate('window.ev')) as {
      onceOpens: number
      aborted: number
      order: string[]
      seen: Seen[]
    }
    // Two opens (the follower's, then its own socket's): the once listener ran for the first only.
    expect(ev.onceOpens).toBe(1)
    expect(ev.aborted).toBe(0)
    expect(ev.order).toEqual(['first', 'onopen', 'last', 'first', 'onopen', 'last'])
    for (const seen of ev.seen) {
      expect(seen).toMatchObject({ event: true, target: true, currentTarget: true, self: true })
    }
    const ofType = (type: string) => ev.seen.filter((s) => s.type === type)
    const origin = new URL(world.server.url).origin
    expect(ofType('message')).toEqual([
      expect.objectContaining({ kind: 'MessageEvent', origin }),
      expect.objectContaining({ kind: 'MessageEvent', origin }),
    ])
    expect(ofType('close')).toEqual([expect.objectContaining({ kind: 'CloseEvent', code: 1001 })])
    expect(ofType('open')).toHaveLength(2)
    expect(ofType('leaderchange').map((s) => s.leader)).toEqual([false, true])
    expect(ofType('statechange').length).toBeGreaterThanOrEqual(3)
  })
})

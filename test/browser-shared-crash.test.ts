/**
 * `heartline/shared` in real headless Chromium when the leader tab ends
 * without a word: its renderer crashes (CDP `Page.crash`), or it is discarded.
 * Chromium has no DevTools command that discards a tab (and chrome://discards
 * is off in this build), so a discard is played the way Chromium performs one
 * on a background tab: the page is frozen first, so none of its tasks run and
 * what other tabs post to it piles up unanswered, then it is closed without
 * pagehide or unload running. `Page.setWebLifecycleState({ state: 'frozen' })`
 * has no effect on a headless page here (it kept answering, and fired no
 * `freeze` event), so the freeze is the DevTools debugger's pause
 * (`Debugger.pause`: the page runs no task until resumed); the close is
 * `Target.closeTarget`, and the case checks that no pagehide reached anyone.
 * A crash is played twice: in mid-stream (whatever the leader had relayed by
 * then), and on a leader hung the same way (so some messages are certainly in
 * flight). In every case the next tab leads, and each follower's messages are either
 * received by the server or reported by a `drop` event: none silently lost,
 * none doubled.
 */
import type { CDPSession, Page } from 'playwright-core'
import { describe, expect, it } from 'vitest'
import { hang, leaders, openTab, sharedTabWorld, until } from './helpers/shared-pages.js'

const world = sharedTabWorld()

interface Seen {
  drops: Array<{ data: string; reason: string }>
  leaderchanges: boolean[]
  opens: number
}

const openTabs = (n: number) =>
  Promise.all(
    Array.from({ length: n }, () => openTab(world.context, world.pages.base, world.server.url)),
  )
const allOpen = (tabs: Page[]) =>
  Promise.all(tabs.map((p) => until(p, `window.conn.state === 'open'`)))
const batch = (name: string, n: number) => Array.from({ length: n }, (_, i) => `${name}-${i}`)
const send = (page: Page, messages: string[]) =>
  page.evaluate(`${JSON.stringify(messages)}.map((m) => window.conn.send(m))`)

/** Three open tabs; each follower's first messages confirmed received through the leader. */
async function threeTabs() {
  const tabs = await openTabs(3)
  await allOpen(tabs)
  const [leader] = await leaders(tabs)
  if (!leader) throw new Error('no leader')
  const followers = tabs.filter((p) => p !== leader)
  const before = followers.map((_, i) => batch(`f${i}-before`, 10))
  for (const [i, page] of followers.entries()) {
    expect(await send(page, before[i] as string[])).toEqual(before[i]?.map(() => true))
  }
  await world.server.when(() => world.server.received.length === 20, 'the messages sent before')
  // The server speaks on the leader's socket: what was written to it counts as handed over
  // (docs/reliability.md), so each follower's first messages are confirmed.
  for (const ws of world.server.clients()) ws.send('server-hello')
  await Promise.all(followers.map((p) => until(p, 'window.conn.queued === 0')))
  const cdp = await world.context.newCDPSession(leader)
  return { leader, followers, cdp }
}

/** Each follower sends `n` messages to a leader that cannot answer: they stay unconfirmed. */
async function unanswered(followers: Page[], n: number): Promise<string[][]> {
  const held = followers.map((_, i) => batch(`f${i}-held`, n))
  for (const [i, page] of followers.entries()) await send(page, held[i] as string[])
  await Promise.all(followers.map((p) => until(p, `window.conn.queued === ${n}`)))
  return held
}

/** None of `held` reached the server; each was reported by a `drop` with reason handoff. */
async function reported(followers: Page[], held: string[][]) {
  for (const [i, page] of followers.entries()) {
    expect(held[i]?.filter((m) => world.server.received.includes(m))).toEqual([])
    const drops = (await page.evaluate('window.seen.drops')) as Seen['drops']
    expect(drops.filter((d) => d.data.includes('-held-'))).toEqual(
      held[i]?.map((data) => ({ data, reason: 'handoff' })),
    )
  }
}

/** Crashes the page's renderer; `Page.crash` never answers, so its reply is not awaited. */
async function crash(page: Page, cdp: CDPSession): Promise<void> {
  const crashed = new Promise((resolve) => page.once('crash', resolve))
  cdp.send('Page.crash').catch(() => undefined)
  await crashed
}

/**
 * After the leader went: exactly one follower leads on a second connection,
 * each follower's `sent` messages were received or reported dropped (never
 * both lost, never received twice), and new messages flow through the new leader.
 */
async function handedOver(followers: Page[], sent: string[][]) {
  await world.server.when(() => world.server.connections === 2, 'the new leader’s connection')
  await Promise.all(
    followers.map((p) => until(p, `window.seen.opens === 2 && window.conn.state === 'open'`)),
  )
  const next = await leaders(followers)
  expect(next).toHaveLength(1)
  for (const [i, page] of followers.entries()) {
    const seen = (await page.evaluate('window.seen')) as Seen
    // A follower hears of each leader (false); the one that takes over, of its own election (true).
    expect(seen.leaderchanges).toEqual(page === next[0] ? [false, true] : [false, false])
    const dropped = seen.drops.map((d) => d.data)
    for (const drop of seen.drops) expect(drop.reason).toBe('handoff')
    const missing = (sent[i] ?? []).filter(
      (m) => !world.server.received.includes(m) && !dropped.includes(m),
    )
    expect(missing, `follower ${i}: neither received nor dropped`).toEqual([])
  }
  const after = followers.map((_, i) => batch(`f${i}-after`, 10))
  for (const [i, page] of followers.entries()) await send(page, after[i] as string[])
  await world.server.when(
    () => after.flat().every((m) => world.server.received.includes(m)),
    'the messages sent after',
  )
  expect(new Set(world.server.received).size).toBe(world.server.received.length)
  expect(world.server.connections).toBe(2)
}

describe('shared tabs: a leader that ends without a word (Chromium)', () => {
  it('the leader’s renderer crashes mid-stream: the next tab leads, nothing silently lost', async () => {
    const { leader, followers, cdp } = await threeTabs()
    const during = followers.map((_, i) => batch(`f${i}-during`, 30))
    // Sent while the leader is relaying: the crash lands in the middle of it, or after.
    await Promise.all(followers.map((page, i) => send(page, during[i] as string[])))
    await crash(leader, cdp)
    await handedOver(followers, during)
    const dropped = await Promise.all(
      followers.map((p) => p.evaluate('window.seen.drops.length') as Promise<number>),
    )
    const received = during.flat().filter((m) => world.server.received.includes(m)).length
    console.log(
      `crash mid-stream: of ${during.flat().length} messages, ${received} received, ${dropped.reduce((a, b) => a + b, 0)} reported by drop`,
    )
  })

  it('a hung leader’s renderer crashes: what it never answered is reported as handoff, the next tab leads', async () => {
    const { leader, followers, cdp } = await threeTabs()
    await hang(leader, cdp, followers[0] as Page)
    const held = await unanswered(followers, 10)
    await crash(leader, cdp)
    await handedOver(followers, held)
    await reported(followers, held)
  })

  it('a discarded leader (frozen, then closed without pagehide): what it never answered is reported as handoff, the next tab leads', async () => {
    const { leader, followers, cdp } = await threeTabs()
    // Anyone hearing 'pagehide' on this channel would know the page ran its pagehide handlers.
    await leader.evaluate(
      `addEventListener('pagehide', () => new BroadcastChannel('probe').postMessage('pagehide')); 1`,
    )
    for (const page of followers) {
      await page.evaluate(
        `window.probe = []; new BroadcastChannel('probe').onmessage = (e) => window.probe.push(e.data); 1`,
      )
    }
    await hang(leader, cdp, followers[0] as Page)
    const held = await unanswered(followers, 10)
    await leader.close({ runBeforeUnload: false })
    await handedOver(followers, held)
    await reported(followers, held)
    for (const page of followers) expect(await page.evaluate('window.probe')).toEqual([])
  })
})

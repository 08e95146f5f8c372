/**
 * The tab election (src/shared/election.ts) and tab membership
 * (src/shared/membership.ts) in Node: Node's own BroadcastChannel between
 * "tabs" of one process, and an in-memory Web Locks stand-in (test/helpers/web-locks.ts)
 * whose `gone()` is a tab closed, crashed or discarded. Timers are faked and
 * never advanced: the election and the membership need none.
 */
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest'
import { join, newSession, type Session } from '../src/shared/election.js'
import type { Leader } from '../src/shared/leader.js'
import { Membership, serveUntilAlone } from '../src/shared/membership.js'
import { namesFor, type Wire } from '../src/shared/protocol.js'
import { LockHub } from './helpers/web-locks.js'

const channels: BroadcastChannel[] = []
let names: ReturnType<typeof namesFor>
let run = 0

beforeEach(() => {
  vi.useFakeTimers({ toFake: ['setTimeout', 'clearTimeout', 'setInterval', 'clearInterval'] })
  // A fresh channel name per test: Node's BroadcastChannel is process-wide.
  names = namesFor(`election-test-${++run}`)
})

afterEach(() => {
  expect(vi.getTimerCount()).toBe(0)
  vi.useRealTimers()
  for (const channel of channels.splice(0)) channel.close()
})

/** Lets BroadcastChannel deliveries and lock grants run: bounded, on real event-loop turns. */
async function until(condition: () => boolean, what: string): Promise<void> {
  for (let i = 0; i < 200; i++) {
    if (condition()) return
    await new Promise((resolve) => setImmediate(resolve))
  }
  throw new Error(`never happened: ${what}`)
}

/** A few event-loop turns, for asserting that something did NOT happen. */
async function turns(n = 20): Promise<void> {
  for (let i = 0; i < n; i++) await new Promise((resolve) => setImmediate(resolve))
}

function listen(): Wire[] {
  const heard: Wire[] = []
  const channel = new BroadcastChannel(names.channel)
  channel.onmessage = (event: MessageEvent) => heard.push(event.data as Wire)
  channels.push(channel)
  return heard
}

/** A tab that only holds its tab lock until released (or gone). */
function holder(hub: LockHub, client: string, name: string) {
  let release = () => {}
  void hub.manager(client).request(name, {}, () => new Promise<void>((r) => (release = r)))
  return () => release()
}

interface Tab {
  session: Session
  received: Wire[]
  leads: number
  current: boolean
  accept: boolean
}

function tab(hub: LockHub, client: string, options: { accept?: boolean } = {}): Tab {
  const session = newSession()
  const t: Tab = { session, received: [], leads: 0, current: true, accept: options.accept ?? true }
  join(hub.manager(client), names, session, {
    current: () => t.current,
    receive: (message) => t.received.push(message),
    lead: () => {
      t.leads++
      return t.accept
    },
  })
  if (session.channel) channels.push(session.channel)
  return t
}

describe('election: join()', () => {
  it('newSession: a fresh tab id and nothing held', () => {
    const a = newSession()
    const b = newSession()
    expect(a.tab).not.toBe(b.tab)
    expect(a.tab.length).toBeGreaterThan(8)
    expect(a).toMatchObject({ channel: null, releaseTab: null, releaseLeader: null })
    expect(a.abort.signal.aborted).toBe(false)
  })

  it('takes its tab lock before it says who it is, then queues for the leader lock; the first tab leads', async () => {
    const hub = new LockHub()
    const heard = listen()
    // What A held at the moment it posted: a leader watching A's tab lock must find it held.
    const heldWhenPosted: string[][] = []
    const original = BroadcastChannel.prototype.postMessage
    const post = vi.spyOn(BroadcastChannel.prototype, 'postMessage').mockImplementation(function (
      this: BroadcastChannel,
      message: unknown,
    ) {
      heldWhenPosted.push(hub.heldBy('A'))
      return original.call(this, message)
    })
    const a = tab(hub, 'A')
    await until(() => a.leads === 1 && heldWhenPosted.length === 1, 'A leads, and said who it is')
    post.mockRestore()
    expect(heldWhenPosted).toEqual([[names.tabPrefix + a.session.tab]])
    await until(() => heard.length === 1, 'heard')
    expect(heard).toEqual([{ t: 'who', tab: a.session.tab }])
    expect(hub.grants).toEqual([`A ${names.tabPrefix}${a.session.tab}`, `A ${names.leader}`])
    expect(hub.heldBy('A').sort()).toEqual([names.leader, names.tabPrefix + a.session.tab].sort())
    expect(typeof a.session.releaseTab).toBe('function')
    expect(typeof a.session.releaseLeader).toBe('function')
  })

  it('a second tab waits for the leader lock and hears the first on the channel', async () => {
    const hub = new LockHub()
    const a = tab(hub, 'A')
    await until(() => a.leads === 1, 'A leads')
    const b = tab(hub, 'B')
    await until(() => hub.pendingFor('B').includes(names.leader), 'B queued')
    await until(() => a.received.length === 1, 'A hears B')
    expect(a.received).toEqual([{ t: 'who', tab: b.session.tab }])
    a.session.channel?.postMessage({ t: 'who', tab: 'x' } satisfies Wire)
    await until(() => b.received.length === 1, 'B hears A')
    await turns()
    expect(b.leads).toBe(0)
    expect(b.session.releaseLeader).toBeNull()
  })

  it('the leader lets go: the next tab in line leads, in join order', async () => {
    const hub = new LockHub()
    const a = tab(hub, 'A')
    await until(() => a.leads === 1, 'A leads')
    const b = tab(hub, 'B')
    await until(() => hub.pendingFor('B').includes(names.leader), 'B queued')
    const c = tab(hub, 'C')
    await until(() => hub.pendingFor('C').includes(names.leader), 'C queued')
    a.session.releaseLeader?.()
    await until(() => b.leads === 1, 'B leads')
    await turns()
    expect(c.leads).toBe(0)
    b.session.releaseLeader?.()
    await until(() => c.leads === 1, 'C leads')
    expect(hub.grants.filter((g) => g.endsWith(names.leader))).toEqual([
      `A ${names.leader}`,
      `B ${names.leader}`,
      `C ${names.leader}`,
    ])
  })

  it('a leader whose page is gone (crashed or discarded) without a word: the next tab leads, no timer involved', async () => {
    const hub = new LockHub()
    const a = tab(hub, 'A')
    await until(() => a.leads === 1, 'A leads')
    const b = tab(hub, 'B')
    await until(() => hub.pendingFor('B').includes(names.leader), 'B queued')
    hub.gone('A')
    await until(() => b.leads === 1, 'B leads')
    expect(hub.heldBy('B')).toContain(names.leader)
    expect(hub.heldBy('A')).toEqual([])
  })

  it('a tab that refuses to lead (lead() false) lets the lock go at once to the next', async () => {
    const hub = new LockHub()
    const a = tab(hub, 'A', { accept: false })
    const b = tab(hub, 'B')
    await until(() => b.leads === 1, 'B leads')
    expect(a.leads).toBe(1)
    expect(a.session.releaseLeader).toBeNull()
    expect(hub.heldBy('A')).toEqual([names.tabPrefix + a.session.tab])
  })

  it('a closed view (no longer current) ignores a late grant: no lead() call, the lock goes on', async () => {
    const hub = new LockHub()
    const a = tab(hub, 'A')
    await until(() => a.leads === 1, 'A leads')
    const b = tab(hub, 'B')
    const c = tab(hub, 'C')
    await until(() => hub.pendingFor('C').includes(names.leader), 'C queued')
    b.current = false
    a.session.releaseLeader?.()
    await until(() => c.leads === 1, 'C leads')
    expect(b.leads).toBe(0)
  })

  it('a view closed before its tab lock is granted says nothing and queues for nothing', async () => {
    const hub = new LockHub()
    const heard = listen()
    const a = tab(hub, 'A')
    a.current = false
    await turns()
    expect(heard).toEqual([])
    expect(a.leads).toBe(0)
    expect(hub.heldBy('A')).toEqual([])
    expect(hub.pendingFor('A')).toEqual([])
  })

  it('abort withdraws a queued leader request without an unhandled rejection', async () => {
    const hub = new LockHub()
    const a = tab(hub, 'A')
    await until(() => a.leads === 1, 'A leads')
    const b = tab(hub, 'B')
    await until(() => hub.pendingFor('B').includes(names.leader), 'B queued')
    b.session.abort.abort()
    expect(hub.pendingFor('B')).toEqual([])
    a.session.releaseLeader?.()
    await turns()
    expect(b.leads).toBe(0)
    expect(hub.heldBy('B')).toEqual([names.tabPrefix + b.session.tab])
  })
})

describe('membership: Membership', () => {
  it('no other tab: onEmpty at once, and only once', async () => {
    const hub = new LockHub()
    const own = `${names.tabPrefix}me`
    holder(hub, 'me', own)
    const membership = new Membership(hub.manager('me'), names.tabPrefix, own)
    const onEmpty = vi.fn()
    await until(() => hub.heldBy('me').length === 1, 'own lock')
    await membership.whenEmpty(onEmpty)
    expect(onEmpty).toHaveBeenCalledTimes(1)
    membership.watch(`${names.tabPrefix}late`)
    hub.manager('late').request(`${names.tabPrefix}late`, {}, () => undefined)
    await turns()
    expect(onEmpty).toHaveBeenCalledTimes(1)
  })

  it('waits for every other tab found by query() or announced by watch(); a tab that is gone counts as leaving', async () => {
    const hub = new LockHub()
    const own = `${names.tabPrefix}me`
    holder(hub, 'me', own)
    const releaseB = holder(hub, 'B', `${names.tabPrefix}B`)
    holder(hub, 'C', `${names.tabPrefix}C`)
    holder(hub, 'other', 'somebody-else:tab:X')
    await until(() => hub.heldBy('C').length === 1, 'locks held')
    const membership = new Membership(hub.manager('me'), names.tabPrefix, own)
    const onEmpty = vi.fn()
    await membership.whenEmpty(onEmpty)
    // D announced itself after the query.
    const releaseD = holder(hub, 'D', `${names.tabPrefix}D`)
    await until(() => hub.heldBy('D').length === 1, 'D holds')
    membership.watch(`${names.tabPrefix}D`)
    membership.watch(`${names.tabPrefix}D`)
    membership.watch(own)
    expect(hub.pendingFor('me').sort()).toEqual(
      [`${names.tabPrefix}B`, `${names.tabPrefix}C`, `${names.tabPrefix}D`].sort(),
    )
    releaseB()
    hub.gone('C')
    await turns()
    expect(onEmpty).not.toHaveBeenCalled()
    releaseD()
    await until(() => onEmpty.mock.calls.length === 1, 'empty')
    // Each watched lock was taken only to learn the tab left, and given back at once.
    expect(hub.heldBy('me')).toEqual([own])
  })

  it('stop(): onEmpty never comes and the watching requests are withdrawn', async () => {
    const hub = new LockHub()
    const own = `${names.tabPrefix}me`
    const release = holder(hub, 'B', `${names.tabPrefix}B`)
    await until(() => hub.heldBy('B').length === 1, 'B holds')
    const membership = new Membership(hub.manager('me'), names.tabPrefix, own)
    const onEmpty = vi.fn()
    await membership.whenEmpty(onEmpty)
    expect(hub.pendingFor('me')).toEqual([`${names.tabPrefix}B`])
    membership.stop()
    expect(hub.pendingFor('me')).toEqual([])
    release()
    await turns()
    expect(onEmpty).not.toHaveBeenCalled()
  })
})

describe('membership: serveUntilAlone()', () => {
  function stubLeader(state: 'open' | 'closed') {
    const listeners = new Set<(e: { to: string }) => void>()
    const conn = {
      state,
      closes: 0,
      close() {
        this.closes++
      },
      subscribe(listener: (e: { to: string }) => void) {
        listeners.add(listener)
        return () => listeners.delete(listener)
      },
      emit(to: string) {
        for (const l of [...listeners]) l({ to })
      },
      get listeners() {
        return listeners.size
      },
    }
    return { conn, leader: { conn } as unknown as Leader }
  }

  it('relays every message while a tab is left, watches tabs that announce themselves, then closes and finishes once closed', async () => {
    const hub = new LockHub()
    const releaseB = holder(hub, 'B', `${names.tabPrefix}B`)
    await until(() => hub.heldBy('B').length === 1, 'B holds')
    const { conn, leader } = stubLeader('open')
    const channel = new BroadcastChannel(names.channel)
    channels.push(channel)
    const served: Wire[] = []
    const finish = vi.fn()
    serveUntilAlone(hub.manager('me'), names.tabPrefix, 'me', leader, channel, {
      serve: (m) => served.push(m),
      finish,
    })
    await until(() => hub.pendingFor('me').length === 1, 'watching B')
    // C joins after: its `who` makes the leader watch it too.
    const releaseC = holder(hub, 'C', `${names.tabPrefix}C`)
    await until(() => hub.heldBy('C').length === 1, 'C holds')
    const other = new BroadcastChannel(names.channel)
    channels.push(other)
    const who: Wire = { t: 'who', tab: 'C' }
    const send: Wire = { t: 'send', tab: 'B', to: 'me', seq: 1, data: 'x' }
    other.postMessage(who)
    other.postMessage(send)
    await until(() => served.length === 2, 'served')
    expect(served).toEqual([who, send])
    expect(hub.pendingFor('me').sort()).toEqual([`${names.tabPrefix}B`, `${names.tabPrefix}C`])
    releaseB()
    await turns()
    expect(conn.closes).toBe(0)
    releaseC()
    await until(() => conn.closes === 1, 'closed when alone')
    expect(finish).not.toHaveBeenCalled()
    conn.emit('closing')
    expect(finish).not.toHaveBeenCalled()
    conn.emit('closed')
    conn.emit('closed')
    expect(finish).toHaveBeenCalledTimes(1)
    expect(conn.listeners).toBe(0)
  })

  it('alone already and the connection already closed: finishes at once', async () => {
    const hub = new LockHub()
    const { conn, leader } = stubLeader('closed')
    const finish = vi.fn()
    serveUntilAlone(hub.manager('me'), names.tabPrefix, 'me', leader, null, {
      serve: () => {},
      finish,
    })
    await until(() => finish.mock.calls.length === 1, 'finished')
    expect(conn.closes).toBe(1)
    expect(conn.listeners).toBe(0)
  })
})

/**
 * The parts of a lossless hand-off (heartline/shared with heartline/resume), in
 * Node: a leader carries a handed session on against a real session server
 * (acceptSessions on port 0), a follower's record of what the leader said, and
 * its outbox. The whole hand-off in Chromium is test/browser-shared-resume.test.ts.
 */
import type { AddressInfo } from 'node:net'
import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import WebSocket, { WebSocketServer } from 'ws'
import { resume } from '../src/resume/index.js'
import { acceptSessions } from '../src/server/index.js'
import { receiveAsFollower } from '../src/shared/following.js'
import { Heard } from '../src/shared/heard.js'
import { Leader } from '../src/shared/leader.js'
import { Outbox } from '../src/shared/outbox.js'
import type { RelayedEvent, Wire } from '../src/shared/protocol.js'

describe('Heard: each relayed message once', () => {
  it('takes the next seqs of a session once, from the leader followed', () => {
    const heard = new Heard('ws://x/')
    expect(heard.take('s', 1, true)).toBe(true)
    expect(heard.take('s', 2, true)).toBe(true)
    expect(heard.take('s', 2, true)).toBe(false)
    expect(heard.take('s', 1, true)).toBe(false)
    expect(heard.session).toEqual({ id: 's', received: 2 })
  })

  it("the gone leader's late relay is taken only when it is the very next seq", () => {
    const heard = new Heard('ws://x/')
    heard.take('s', 5, true)
    expect(heard.take('s', 7, false)).toBe(false)
    expect(heard.take('s', 6, false)).toBe(true)
    expect(heard.take('s', 6, true)).toBe(false)
  })

  it('a new session starts again at seq 1', () => {
    const heard = new Heard('ws://x/')
    heard.take('s', 9, true)
    heard.sessionIs('t')
    expect(heard.session).toEqual({ id: 't', received: 0 })
    expect(heard.take('t', 1, true)).toBe(true)
  })
})

describe('a follower on the channel', () => {
  function follower() {
    const drops: string[] = []
    const outbox = new Outbox(undefined, (data, reason) => drops.push(`${String(data)}:${reason}`))
    const heard = new Heard('ws://x/')
    const seen: string[] = []
    const ports = {
      tab: 'F',
      leaderTab: 'L' as string | null,
      heard,
      outbox,
      elected: (hello: Extract<Wire, { t: 'leader' }>) => seen.push(`elected ${hello.tab}`),
      resumed: (ack: number) => seen.push(`resumed ${ack}`),
      apply: (event: RelayedEvent) =>
        seen.push(`${event.type} ${String((event as { data?: unknown }).data)}`),
    }
    const receive = (message: Wire) => receiveAsFollower(message, ports)
    return { outbox, heard, seen, drops, receive, ports }
  }

  it('keeps its messages until the server acknowledged their session seqs', () => {
    const f = follower()
    for (const data of ['a', 'b', 'c']) f.outbox.handOver(data)
    f.receive({
      t: 'done',
      tab: 'L',
      to: 'F',
      seq: 3,
      at: [
        [1, 4],
        [2, 6],
        [3, 7],
      ],
    })
    expect(f.outbox.size).toBe(3)
    f.receive({ t: 'session', tab: 'L', id: 's', acknowledged: 6 })
    expect(f.outbox.size).toBe(1)
    expect(f.heard.session).toEqual({ id: 's', received: 0 })
    // Another tab's word on the session is not the leader's.
    f.receive({ t: 'session', tab: 'X', id: 's', acknowledged: 7 })
    expect(f.outbox.size).toBe(1)
  })

  it('after a resume, hands over again only what the server does not hold, in order', () => {
    const f = follower()
    for (const data of ['a', 'b', 'c', 'd']) f.outbox.handOver(data)
    f.receive({
      t: 'done',
      tab: 'L',
      to: 'F',
      seq: 2,
      at: [
        [1, 10],
        [2, 11],
      ],
    })
    f.receive({ t: 'resumed', tab: 'L', id: 's', ack: 10 })
    expect(f.seen).toEqual(['resumed 10'])
    expect(f.outbox.takeUnconfirmed(10)).toEqual(['b', 'c', 'd'])
    expect(f.outbox.size).toBe(0)
    expect(f.drops).toEqual([])
  })

  it('without resume, done confirms and the messages are let go', () => {
    const f = follower()
    f.outbox.handOver('a')
    f.outbox.handOver('b')
    f.receive({ t: 'done', tab: 'L', to: 'F', seq: 1 })
    expect(f.outbox.size).toBe(1)
    f.receive({ t: 'drop', tab: 'L', to: 'F', seq: 2, reason: 'queue-full' })
    expect(f.drops).toEqual(['b:queue-full'])
  })

  it('relayed messages: once by seq with resume; from the leader only without', () => {
    const f = follower()
    const message = (tab: string, data: string, seq?: number): Wire =>
      seq === undefined
        ? { t: 'event', tab, event: { type: 'message', data } }
        : { t: 'event', tab, event: { type: 'message', data }, sid: 's', seq }
    f.receive(message('L', 'one', 1))
    f.receive(message('L', 'one again', 1))
    f.receive(message('X', 'two', 2))
    f.receive(message('X', 'not from the leader'))
    f.receive(message('L', 'plain'))
    f.receive({
      t: 'leader',
      tab: 'N',
      epoch: 2,
      state: 'open',
      url: '',
      protocol: '',
      extensions: '',
      session: null,
    })
    expect(f.seen).toEqual(['message one', 'message two', 'message plain', 'elected N'])
  })
})

describe('a leader carrying a handed session on', () => {
  let wss: WebSocketServer
  let url = ''
  const atServer: string[] = []
  const leaders: Leader[] = []

  beforeEach(async () => {
    atServer.length = 0
    wss = new WebSocketServer({ host: '127.0.0.1', port: 0 })
    await new Promise<void>((resolve) => wss.once('listening', () => resolve()))
    url = `ws://127.0.0.1:${(wss.address() as AddressInfo).port}/`
    acceptSessions(wss, { ackDelay: 0 }).on('session', (session) =>
      session.on('message', (data) => atServer.push(String(data))),
    )
  })
  afterEach(async () => {
    for (const l of leaders.splice(0)) l.conn.close()
    for (const ws of wss.clients) ws.terminate()
    await new Promise<void>((resolve) => wss.close(() => resolve()))
  })

  function lead(tab: string, start: { id: string; received: number } | null) {
    const posted: Wire[] = []
    const resumed: number[] = []
    const leader = new Leader(
      tab,
      url,
      {
        WebSocket: WebSocket as never,
        heartbeat: false,
        reconnect: false,
        lifecycle: false,
        resume: resume(),
      },
      (m) => posted.push(m),
      { apply: () => undefined, drop: () => undefined, resumed: (ack) => resumed.push(ack) },
      start,
    )
    leaders.push(leader)
    return { leader, posted, resumed }
  }
  const until = async (condition: () => boolean) => {
    for (let i = 0; i < 500 && !condition(); i++) await new Promise((r) => setTimeout(r, 5))
    expect(condition()).toBe(true)
  }

  it('numbers the followers’ messages in the session, then numbers on after the server’s ack', async () => {
    const first = lead('L1', null)
    await until(() => first.leader.conn.state === 'open')
    for (let seq = 1; seq <= 3; seq++) first.leader.send('F', seq, `f${seq}`)
    await until(() => atServer.length === 3)
    await until(() => first.posted.some((m) => m.t === 'session' && m.acknowledged === 3))
    const done = first.posted.find((m) => m.t === 'done')
    expect(done).toEqual({
      t: 'done',
      tab: 'L1',
      to: 'F',
      seq: 3,
      at: [
        [1, 1],
        [2, 2],
        [3, 3],
      ],
    })
    const handed = first.leader.handed
    expect(handed?.received).toBe(0)
    first.leader.conn.close()

    const next = lead('L2', handed)
    // Held until the session is resumed: then numbered after what the server holds.
    expect(next.leader.send('G', 1, 'g1')).toBe(true)
    await until(() => next.resumed.length === 1)
    expect(next.resumed).toEqual([3])
    expect(next.posted).toContainEqual({ t: 'resumed', tab: 'L2', id: handed?.id, ack: 3 })
    await until(() => atServer.length === 4)
    expect(atServer).toEqual(['f1', 'f2', 'f3', 'g1'])
    await until(() => next.posted.some((m) => m.t === 'done'))
    expect(next.posted.find((m) => m.t === 'done')).toMatchObject({ to: 'G', at: [[1, 4]] })
  })
})

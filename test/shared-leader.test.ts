/**
 * The leader's accounting of other tabs' messages, against a real `ws` server:
 * every relayed message is answered exactly once, `done` when the connection
 * reports it handed over (written to a socket whose server showed it reads) or
 * `drop` with the connection's reason. Also the follower's outbox bounds.
 */

import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import WebSocket from 'ws'
import { SimulatedClock } from 'xstate'
import { ackFrame, welcomeFrame } from '../src/protocol/resume.js'
import { resume } from '../src/resume/index.js'
import { Leader } from '../src/shared/leader.js'
import { Outbox } from '../src/shared/outbox.js'
import type { RelayedEvent, Wire } from '../src/shared/protocol.js'
import {
  startControlledServer as startServer,
  type ControlledServer as TestServer,
} from './helpers/controlled-server.js'
import { type ScriptedSocket, SocketRegistry } from './helpers/scripted-socket.js'

let server: TestServer
let leader: Leader | undefined

beforeEach(async () => {
  server = await startServer()
})
afterEach(async () => {
  leader?.conn.close()
  await server.close()
})

function lead(options: Record<string, unknown> = {}) {
  const posted: Wire[] = []
  const local: Array<{ data: unknown; reason: string }> = []
  const events: RelayedEvent[] = []
  const created = new Leader(
    'L',
    server.url,
    { WebSocket, heartbeat: false, ...options },
    (m) => posted.push(m),
    { apply: (e) => events.push(e), drop: (data, reason) => local.push({ data, reason }) },
  )
  leader = created
  const opened = new Promise<void>((resolve) =>
    created.conn.addEventListener('open', () => queueMicrotask(resolve)),
  )
  return { leader: created, posted, local, events, opened }
}

const answers = (posted: Wire[]) =>
  posted
    .filter((m) => m.t === 'done' || m.t === 'drop')
    .map((m) => (m.t === 'drop' ? `drop ${m.to}#${m.seq} ${m.reason}` : `done ${m.to}#${m.seq}`))

describe('the leader role', () => {
  it('confirms queued messages once the server shows it reads the socket they were flushed into, once per tab', async () => {
    const { leader, posted, opened } = lead()
    expect(leader.send('A', 1, 'a1')).toBe(true)
    expect(leader.send('B', 1, 'b1')).toBe(true)
    expect(leader.send('A', 2, 'a2')).toBe(true)
    expect(leader.send('L', 0, 'own')).toBe(true)
    expect(answers(posted)).toEqual([])
    await opened
    // Flushed, but a server that refuses the socket unread would have them sent again.
    expect(answers(posted)).toEqual([])
    const heard = new Promise<void>((resolve) =>
      leader.conn.addEventListener('message', () => queueMicrotask(resolve)),
    )
    for (const client of server.clients()) client.send('hello')
    await heard
    expect(answers(posted)).toEqual(['done A#2', 'done B#1'])
    // Written at once while open: confirmed in the same turn, batched.
    leader.send('A', 3, 'a3')
    leader.send('A', 4, 'a4')
    await Promise.resolve()
    expect(answers(posted).slice(2)).toEqual(['done A#4'])
    await server.when(() => server.received.length === 6, 'the six messages')
    expect(server.received).toEqual(['a1', 'b1', 'a2', 'own', 'a3', 'a4'])
  })

  it('routes each refusal to the tab whose message it was', async () => {
    const { leader, posted, local } = lead({ queue: { max: 2, overflow: 'drop-oldest' } })
    leader.send('A', 1, 'a1')
    leader.send('L', 0, 'own')
    // Full: the oldest (A#1) makes room.
    leader.send('B', 7, 'b7')
    expect(answers(posted)).toEqual(['drop A#1 queue-overflow'])
    // Closed for good: the queue is reported oldest first (own, then B#7).
    leader.conn.close()
    await new Promise<void>((resolve) =>
      leader.conn.subscribe((e) => e.to === 'closed' && resolve()),
    )
    await Promise.resolve()
    expect(answers(posted)).toEqual(['drop A#1 queue-overflow', 'drop B#7 closed'])
    expect(local).toEqual([{ data: 'own', reason: 'closed' }])
    // Refused at once while closed: reported for that message, nothing queued.
    expect(leader.send('A', 2, 'a2')).toBe(false)
    expect(answers(posted).at(-1)).toBe('drop A#2 closed')
  })

  it('with resume: tells the other tabs the session’s new ack on the ack event, with no timer', async () => {
    const registry = new SocketRegistry()
    const posted: Wire[] = []
    leader = new Leader(
      'L',
      'ws://leader.invalid/',
      {
        WebSocket: registry.WebSocket,
        clock: new SimulatedClock(), // never advanced: only the ack frame can tell
        heartbeat: false,
        resume: resume(),
      },
      (m) => posted.push(m),
      { apply: () => undefined, drop: () => undefined },
    )
    const socket = registry.sockets[0] as ScriptedSocket
    socket.fireOpen()
    socket.fireMessage(welcomeFrame({ v: 1, sid: 'lead-1', ack: 0, resumed: false }))
    const microtasks = async () => {
      for (let i = 0; i < 10; i++) await Promise.resolve()
    }
    const acks = () => posted.flatMap((m) => (m.t === 'session' ? [m.acknowledged] : []))
    leader.send('F', 1, 'f1')
    leader.send('F', 2, 'f2')
    await microtasks()
    expect(acks()).toEqual([0])
    socket.fireMessage(ackFrame(2))
    await microtasks()
    expect(acks()).toEqual([0, 2])
  })

  it('rejects with queue-full for the message being sent', () => {
    const { leader, posted } = lead({ queue: { max: 1, overflow: 'reject' } })
    leader.send('A', 1, 'a1')
    expect(leader.send('B', 1, 'b1')).toBe(false)
    expect(answers(posted)).toEqual(['drop B#1 queue-full'])
  })
})

describe('a follower outbox', () => {
  it('bounds messages waiting for a leader like the queue, and reports each once', () => {
    const drops: string[] = []
    const box = new Outbox({ max: 2, overflow: 'drop-oldest' }, (d, r) => drops.push(`${d} ${r}`))
    box.wait('1')
    box.wait('2')
    box.wait('3')
    expect(drops).toEqual(['1 queue-overflow'])
    expect(box.takeWaiting()).toEqual(['2', '3'])
    const a = box.handOver('a')
    const b = box.handOver('b')
    const c = box.handOver('c')
    box.refused(b, 'queue-full')
    box.refused(b, 'queue-full')
    box.confirm(a)
    expect(box.size).toBe(1)
    box.lose('handoff')
    expect(drops).toEqual(['1 queue-overflow', 'b queue-full', 'c handoff'])
    expect(c).toBe(3)
    const off = new Outbox(false, (d, r) => drops.push(`${d} ${r}`))
    expect(off.wait('x')).toBe(false)
    expect(drops.at(-1)).toBe('x not-open')
  })
})

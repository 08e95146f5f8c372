/**
 * `acceptSessions` (memory store) against hostile clients: a stolen session id,
 * an ack below what was acknowledged, floods of sessions, frames, pings and
 * resumes, silent sockets, odd hellos. Every bound is asserted by counts and
 * bytes held (sessions, sockets, store calls, bufferedAmount), never by timing;
 * the server's timers run on vitest's fake timers where a test needs them.
 */
import { once } from 'node:events'
import type { IncomingMessage } from 'node:http'
import { afterEach, describe, expect, it, vi } from 'vitest'
import WebSocket, { WebSocketServer } from 'ws'
import { SimulatedClock } from 'xstate'
import { createConnection } from '../src/index.js'
import { MESSAGE_OVERHEAD } from '../src/protocol/resume.js'
import { resume } from '../src/resume/index.js'
import {
  type AcceptSessionsOptions,
  acceptSessions,
  attachHeartbeat,
  memoryStore,
  type Session,
  type SessionStore,
} from '../src/server/index.js'
import { counting, RawClient, until } from './helpers/hostile.js'

const cleanups: Array<() => unknown> = []
afterEach(async () => {
  vi.useRealTimers()
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup()
})

/** Fakes the timers the server's own code uses; I/O and the waits stay real. */
function fakeTimers(): void {
  vi.useFakeTimers({ toFake: ['setTimeout', 'clearTimeout', 'setInterval', 'clearInterval'] })
}

async function server(options: AcceptSessionsOptions = {}) {
  const wss = new WebSocketServer({ host: '127.0.0.1', port: 0 })
  await once(wss, 'listening')
  cleanups.push(() => new Promise((resolve) => wss.close(resolve)))
  cleanups.push(() => {
    for (const client of wss.clients) client.terminate()
  })
  const sessions = acceptSessions(wss, { ackDelay: 0, ...options })
  cleanups.push(() => sessions.close())
  const list: Session[] = []
  const errors: unknown[] = []
  sessions.on('session', (s) => list.push(s))
  sessions.on('error', (e) => errors.push(e))
  const url = `ws://127.0.0.1:${(wss.address() as { port: number }).port}`
  const raw = (headers?: Record<string, string>) => {
    const client = new RawClient(url, headers)
    cleanups.push(() => client.ws.terminate())
    return client
  }
  return { wss, sessions, list, errors, url, raw }
}

/** Bytes the server holds in its sockets' send queues. */
const held = (wss: WebSocketServer) => [...wss.clients].reduce((n, c) => n + c.bufferedAmount, 0)

describe('hostile clients: sessions belong to a principal', () => {
  const identify = (request: IncomingMessage) => request.headers['x-user'] as string | undefined

  it("a hello naming another principal's session gets a fresh session: no replay, the owner untouched", async () => {
    const s = await server({ identify })
    const owner = s.raw({ 'x-user': 'alice' })
    await owner.opened
    owner.hello()
    const { sid } = await owner.welcome()
    const session = s.list[0] as Session
    await session.send('secret')
    await until(() => owner.frames.includes('M1 secret'), 'the message at the owner')

    const thief = s.raw({ 'x-user': 'mallory' })
    await thief.opened
    thief.hello(sid, 0)
    const stolen = await thief.welcome()
    expect(stolen.resumed).toBe(false)
    expect(stolen.sid).not.toBe(sid)
    expect(thief.frames.filter((f) => f.startsWith('M'))).toEqual([])
    expect(owner.close).toBeNull()
    expect(owner.ws.readyState).toBe(WebSocket.OPEN)
    expect(session.principal).toBe('alice')
    expect(s.list[1]?.principal).toBe('mallory')
    // The owner's session goes on.
    await session.send('more')
    await until(() => owner.frames.includes('M2 more'), 'the next message at the owner')
    // An anonymous hello cannot name it either.
    const anonymous = s.raw()
    await anonymous.opened
    anonymous.hello(sid, 0)
    expect((await anonymous.welcome()).resumed).toBe(false)
    expect(owner.close).toBeNull()
  })

  it('identify failing or returning a non-string: 1011, an error event naming it, no session', async () => {
    const s = await server({
      identify: (request) => {
        if (request.headers['x-user'] === 'boom') throw new Error('no such user')
        return 42 as never
      },
    })
    for (const user of ['boom', 'number']) {
      const c = s.raw({ 'x-user': user })
      await c.opened
      c.hello()
      expect(await c.closed).toEqual({ code: 1011, reason: 'resume: identify failed' })
    }
    expect(s.list).toEqual([])
    expect(s.errors.map(String)).toEqual([
      'Error: no such user',
      'TypeError: heartline/server: `identify` must return a string or undefined; got number 42.',
    ])
  })

  it('the owner resumes its own session; every attach is an event carrying the upgrade request', async () => {
    const s = await server({ identify: async (request) => identify(request) })
    const attaches: Array<[string | undefined, boolean, string]> = []
    s.sessions.on('attach', (session, { request, resumed }) =>
      attaches.push([request.headers['x-user'] as string, resumed, session.id]),
    )
    const first = s.raw({ 'x-user': 'alice' })
    await first.opened
    first.hello()
    const { sid } = await first.welcome()
    const second = s.raw({ 'x-user': 'alice' })
    await second.opened
    second.hello(sid, 0)
    expect((await second.welcome()).resumed).toBe(true)
    expect(attaches).toEqual([
      ['alice', false, sid],
      ['alice', true, sid],
    ])
    expect(s.list).toHaveLength(1)
  })
})

describe('hostile clients: no wedge', () => {
  it('a real client whose ack is below what a hijacker acknowledged gets a reset, not a loop', async () => {
    const { store, calls } = counting(memoryStore())
    const s = await server({ store })
    const clock = new SimulatedClock()
    const victim = createConnection(s.url, {
      WebSocket: WebSocket as never,
      clock,
      heartbeat: false,
      random: () => 1,
      reconnect: { initialDelay: 1000, maxDelay: 1000 },
      resume: resume({ ackDelay: 0 }),
    })
    cleanups.push(() => victim.close())
    const closes: number[] = []
    const resets: unknown[] = []
    victim.addEventListener('close', (e) => closes.push(e.code))
    victim.addEventListener('reset', (e) => resets.push(e.lost))
    await until(() => s.list[0]?.attached, 'the victim attached')
    const session = s.list[0] as Session
    const hijacker = s.raw()
    await hijacker.opened
    hijacker.hello(session.id, 0)
    await hijacker.welcome()
    await until(() => closes.length === 1, "the victim's socket replaced")
    await session.send('m1')
    await session.send('m2')
    await until(() => hijacker.frames.includes('M2 m2'), 'both at the hijacker')
    const acks = calls.acked ?? 0
    hijacker.ws.send('A1')
    await until(() => (calls.acked ?? 0) > acks, 'the ack recorded')
    // The victim comes back, again and again if it has to: at most 8 rounds.
    for (let round = 0; round < 8 && resets.length === 0; round++) {
      const before = closes.length
      clock.increment(1000)
      await until(
        () => resets.length > 0 || closes.length > before,
        'a reset or another close of the victim',
      )
    }
    expect(resets).toHaveLength(1)
    expect(closes.filter((c) => c === 4200)).toEqual([])
  })
})

describe('hostile clients: every buffer bounded', () => {
  it('memoryStore maxBytes counts MESSAGE_OVERHEAD per message: empty messages fill it', async () => {
    const store = memoryStore({ maxBytes: 1024 })
    const { epoch } = await store.create('s')
    const seqs =
      (await store.append(
        's',
        epoch,
        Array.from({ length: 2000 }, () => ''),
      )) ?? []
    const kept = seqs.filter((seq) => seq > 0).length
    expect(kept).toBe(Math.floor(1024 / MESSAGE_OVERHEAD))
    const [big] = (await store.append('s', epoch, ['x'])) ?? []
    expect(big).toBe(0)
  })

  it('maxSessions: a new session past it is refused with 1013; an existing one still resumes', async () => {
    const s = await server({ maxSessions: 5 })
    const sids: string[] = []
    for (let i = 0; i < 8; i++) {
      const c = s.raw()
      await c.opened
      c.hello()
      const closed = await Promise.race([c.welcome(), c.closed])
      if ('sid' in closed) sids.push(closed.sid)
      c.ws.terminate()
    }
    expect(sids).toHaveLength(5)
    expect(s.sessions.size).toBe(5)
    const late = s.raw()
    await late.opened
    late.hello()
    expect((await late.closed).code).toBe(1013)
    const back = s.raw()
    await back.opened
    back.hello(sids[0], 0)
    expect((await back.welcome()).resumed).toBe(true)
  })

  it('frames before the welcome are bounded: past the bound the socket closes with 4200', async () => {
    let release = () => {}
    const base = memoryStore()
    const slow: SessionStore = {
      ...base,
      ttl: base.ttl,
      create: (id) =>
        new Promise((resolve) => {
          release = () => resolve(base.create(id))
        }),
    }
    const s = await server({ store: slow })
    const c = s.raw()
    await c.opened
    let atServer = 0
    const [socket] = [...s.wss.clients] as [WebSocket]
    socket.on('message', () => atServer++)
    c.hello()
    const frame = `M1 ${'x'.repeat(64 * 1024)}`
    for (let i = 0; i < 100; i++) c.ws.send(frame)
    await until(() => atServer === 101 || c.close !== null, 'every frame at the server')
    await until(() => socket.readyState !== WebSocket.OPEN, 'the server closing the socket', 2000)
    release()
    expect((await c.closed).code).toBe(4200)
  })

  it('helloTimeout (10 s by default): a socket that never says hello is closed, then let go', async () => {
    fakeTimers()
    const s = await server()
    const silent = Array.from({ length: 20 }, () => s.raw())
    await Promise.all(silent.map((c) => c.opened))
    expect(s.wss.clients.size).toBe(20)
    vi.advanceTimersByTime(10_000)
    await until(() => silent.every((c) => c.close !== null), 'every silent socket closed', 3000)
    expect(new Set(silent.map((c) => c.close?.code))).toEqual(new Set([4200]))
    await until(() => s.wss.clients.size === 0, 'every socket let go')
  })

  it('a replaced socket that never reads is terminated after a short close timeout, not kept 30 s', async () => {
    fakeTimers()
    const s = await server()
    const first = s.raw()
    await first.opened
    first.hello()
    const { sid } = await first.welcome()
    const session = s.list[0] as Session
    let attaches = 1
    session.on('attach', () => attaches++)
    first.stopReading()
    await session.send('x'.repeat(256 * 1024))
    for (let i = 0; i < 20; i++) {
      const c = s.raw()
      await c.opened
      c.hello(sid, 0)
      await until(() => attaches === i + 2, 'the resume')
      c.stopReading()
    }
    vi.advanceTimersByTime(2000)
    await until(
      () => s.wss.clients.size <= 1,
      () => `sockets held: ${s.wss.clients.size}`,
    )
    expect(held(s.wss)).toBeLessThan(512 * 1024)
  })

  it('pongs are not written while the socket cannot take them', async () => {
    const pong = 'p'.repeat(64 * 1024)
    const s = await server({ pong })
    const c = s.raw()
    await c.opened
    c.hello()
    await c.welcome()
    const [socket] = [...s.wss.clients] as [WebSocket]
    let pings = 0
    socket.on('message', (data) => {
      if (String(data) === 'ping') pings++
    })
    c.stopReading()
    for (let i = 0; i < 1000; i++) c.ws.send('ping')
    await until(() => pings === 1000, 'every ping at the server')
    // One pong may be written past the limit (64 KiB); the rest wait for the socket to drain.
    expect(socket.bufferedAmount).toBeLessThanOrEqual(2 * 64 * 1024 + pong.length)
  })

  it('attachHeartbeat: pongs are not written while the socket cannot take them', async () => {
    const wss = new WebSocketServer({ host: '127.0.0.1', port: 0 })
    await once(wss, 'listening')
    cleanups.push(() => new Promise((resolve) => wss.close(resolve)))
    cleanups.push(() => {
      for (const client of wss.clients) client.terminate()
    })
    const pong = 'p'.repeat(64 * 1024)
    cleanups.push(attachHeartbeat(wss, { pong }))
    const c = new RawClient(`ws://127.0.0.1:${(wss.address() as { port: number }).port}`)
    cleanups.push(() => c.ws.terminate())
    await c.opened
    const [socket] = [...wss.clients] as [WebSocket]
    let pings = 0
    socket.on('message', () => pings++)
    c.stopReading()
    for (let i = 0; i < 1000; i++) c.ws.send('ping')
    await until(() => pings === 1000, 'every ping at the server')
    expect(socket.bufferedAmount).toBeLessThanOrEqual(2 * 64 * 1024 + pong.length)
  })

  it('a ping costs no store call', async () => {
    const { store, calls } = counting(memoryStore())
    const s = await server({ store })
    const c = s.raw()
    await c.opened
    c.hello()
    await c.welcome()
    const before = { ...calls }
    for (let i = 0; i < 1000; i++) c.ws.send('ping')
    await until(() => c.frames.filter((f) => f === 'pong').length === 1000, 'every pong')
    const made = Object.entries(calls).reduce(
      (n, [name, count]) => n + count - (before[name] ?? 0),
      0,
    )
    expect(made).toBeLessThanOrEqual(3)
  })
})

describe('the new options are validated, naming the option', () => {
  it('identify, maxSessions, helloTimeout, closeTimeout', () => {
    const wss = new WebSocketServer({ noServer: true })
    expect(() => acceptSessions(wss, { identify: 'alice' as never })).toThrow(
      /`identify` must be a function \(request\) => string \| undefined; got "alice"/,
    )
    expect(() => acceptSessions(wss, { maxSessions: 0 })).toThrow(
      /`maxSessions` must be a whole number ≥ 1; got number 0/,
    )
    expect(() => acceptSessions(wss, { maxSessions: Number.POSITIVE_INFINITY })).toThrow(
      /`maxSessions`/,
    )
    expect(() => acceptSessions(wss, { helloTimeout: 0 })).toThrow(
      /`helloTimeout` must be a finite number > 0; got number 0/,
    )
    expect(() => acceptSessions(wss, { closeTimeout: -1 })).toThrow(
      /`closeTimeout` must be a finite number ≥ 0; got number -1/,
    )
  })
})

describe('hostile clients: wrong outcomes', () => {
  it('a 200-character hello version closes with 1002 and a reason of at most 123 bytes, no error', async () => {
    const s = await server()
    const c = s.raw()
    await c.opened
    c.ws.send(`H${JSON.stringify({ v: 'é'.repeat(200), ack: 0 })}`)
    const { code, reason } = await c.closed
    expect(code).toBe(1002)
    expect(Buffer.byteLength(reason)).toBeLessThanOrEqual(123)
    expect(s.errors).toEqual([])
  })

  it('a non-ASCII ping option is matched by its bytes', async () => {
    const s = await server({ ping: 'pïng', pong: 'pöng' })
    const c = s.raw()
    await c.opened
    c.ws.send('pïng')
    await until(() => c.frames.includes('pöng') || c.close, 'the pong')
    expect(c.frames).toEqual(['pöng'])
  })
})

/**
 * The resume layer and the session server against each other in one process
 * (real `ws` servers on port 0): round trips in both directions, text and
 * binary, acknowledgements, bounds, bad input, protocol errors, and that the
 * main entry carries none of the layer's code.
 */
import { once } from 'node:events'
import { build } from 'esbuild'
import { afterEach, describe, expect, it } from 'vitest'
import WebSocket, { WebSocketServer } from 'ws'
import { type Connection, createConnection, type DropEvent } from '../src/index.js'
import { type ResumeTrace, resume, sessionChartOf, sessionOf } from '../src/resume/index.js'
import { acceptSessions, memoryStore, type Session } from '../src/server/index.js'
import { waitFor } from './harness/wait.js'
import { refusingServer } from './helpers/refusing.js'

const cleanups: Array<() => unknown> = []
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup()
})

async function server(options: Parameters<typeof acceptSessions>[1] = {}) {
  const wss = new WebSocketServer({ host: '127.0.0.1', port: 0 })
  await once(wss, 'listening')
  cleanups.push(() => new Promise((resolve) => wss.close(resolve)))
  cleanups.push(() => {
    for (const client of wss.clients) client.terminate()
  })
  const sessions = acceptSessions(wss, { ackDelay: 0, ...options })
  const list: Session[] = []
  sessions.on('session', (s) => list.push(s))
  return { wss, sessions, list, url: `ws://127.0.0.1:${(wss.address() as { port: number }).port}` }
}

/** Re-checks `check` on every connection event and every 10 ms of the event loop. */
function until<T>(conn: Connection, check: () => T | undefined | false, what: string) {
  return waitFor(check, what, 10_000, (wake) => {
    const types = ['message', 'statechange', 'resumed', 'reset', 'drop', 'close'] as const
    for (const type of types) conn.addEventListener(type, wake)
    const timer = setInterval(wake, 10)
    return () => {
      clearInterval(timer)
      for (const type of types) conn.removeEventListener(type, wake)
    }
  })
}

function client(url: string, options: Parameters<typeof resume>[0] = {}): Connection {
  const conn = createConnection(url, {
    WebSocket: WebSocket as never,
    reconnect: { initialDelay: 10, maxDelay: 20 },
    resume: resume({ ackDelay: 0, ...options }),
  })
  cleanups.push(() => conn.close())
  return conn
}

describe('resume: one process', () => {
  it('carries text and binary both ways, numbered, and acknowledges them', async () => {
    const s = await server()
    const conn = client(s.url)
    const atServer: Array<[string, number, boolean]> = []
    s.sessions.on('session', (session) => {
      session.on('message', (data, info) => {
        atServer.push([
          info.binary ? `bin:${[...(data as Buffer)]}` : String(data),
          info.seq,
          info.redelivered,
        ])
        if (!info.binary) void session.send(`echo ${data}`)
        else void session.send(data as Buffer)
      })
    })
    const got: unknown[] = []
    conn.addEventListener('message', (e) => got.push(e.data))
    conn.send('one')
    conn.send(new Uint8Array([1, 2, 3]))
    conn.send('M2 looks like a frame')
    await until(conn, () => got.length === 3, 'three echoes')
    expect(atServer).toEqual([
      ['one', 1, false],
      ['bin:1,2,3', 2, false],
      ['M2 looks like a frame', 3, false],
    ])
    expect(got[0]).toBe('echo one')
    expect([...(got[1] as Buffer)]).toEqual([1, 2, 3])
    expect(got[2]).toBe('echo M2 looks like a frame')
    await until(
      conn,
      () => sessionOf(conn)?.acknowledged === 3 && s.list[0]?.sent === 3,
      'acknowledged',
    )
    expect(sessionOf(conn)).toMatchObject({ sent: 3, received: 3, buffered: 0, phase: 'ready' })
    expect(sessionOf(conn)?.id).toBe(s.list[0]?.id)
    // The inspector's handle on the session's chart: live, in its ready state; none without resume.
    expect(sessionChartOf(conn)?.getSnapshot().matches({ ready: 'started' })).toBe(true)
    expect(sessionChartOf({})).toBeUndefined()
  })

  it('resumes on the same session after the socket drops, with no duplicate', async () => {
    const s = await server()
    const trace: ResumeTrace[] = []
    const conn2 = client(s.url, { trace: (r) => trace.push(r) })
    const got: string[] = []
    conn2.addEventListener('message', (e) => got.push(String(e.data)))
    await until(conn2, () => s.list[0]?.attached, 'attached')
    const session = s.list[0] as Session
    await session.send('a')
    await until(conn2, () => got.length === 1, 'a')
    for (const ws of s.wss.clients) ws.terminate()
    await session.send('b')
    const resumed = new Promise((resolve) => conn2.addEventListener('resumed', resolve))
    await resumed
    await until(conn2, () => got.length === 2, 'b after the resume')
    expect(got).toEqual(['a', 'b'])
    expect(s.list).toHaveLength(1)
    expect(
      trace.filter((r) => r.type === 'welcome').map((r) => (r as { resumed: boolean }).resumed),
    ).toEqual([false, true])
  })

  it('refuses a send past maxBytes with a drop, keeping the order of the rest', async () => {
    const s = await server()
    // Each message counts 64 bytes (MESSAGE_OVERHEAD) beyond its payload: 70 + 68 fit in 138.
    const conn = client(s.url, { maxBytes: 2 * 64 + 10 })
    const drops: DropEvent[] = []
    conn.addEventListener('drop', (e) => drops.push(e))
    expect(conn.send('123456')).toBe(true)
    expect(conn.send('123456')).toBe(false)
    expect(conn.send('1234')).toBe(true)
    expect(drops.map((d) => [d.data, d.reason])).toEqual([['123456', 'resume-buffer-full']])
    const atServer: string[] = []
    s.sessions.on('session', (session) => session.on('message', (d) => atServer.push(String(d))))
    await until(conn, () => sessionOf(conn)?.buffered === 0, 'acknowledged')
    expect(atServer).toEqual(['123456', '1234'])
  })

  it('reports unacknowledged messages as dropped when closed for good', async () => {
    const down = await refusingServer()
    cleanups.push(() => down.close())
    const conn = client(down.url)
    const drops: DropEvent[] = []
    conn.addEventListener('drop', (e) => drops.push(e))
    conn.send('x')
    conn.send('y')
    conn.close()
    await until(conn, () => conn.state === 'closed' && drops.length === 2, 'closed')
    expect(drops.map((d) => [d.data, d.reason])).toEqual([
      ['x', 'closed'],
      ['y', 'closed'],
    ])
    expect(conn.send('z')).toBe(false)
  })

  it('closes with 4200 on a frame that breaks the protocol, then resumes', async () => {
    const s = await server()
    const conn = client(s.url)
    const closes: number[] = []
    conn.addEventListener('close', (e) => closes.push(e.code))
    await until(conn, () => s.list[0]?.attached, 'attached')
    for (const ws of s.wss.clients) ws.send('not a resume frame')
    await until(conn, () => closes.length === 1, 'the close')
    expect(closes).toEqual([4200])
    await new Promise((resolve) => conn.addEventListener('resumed', resolve))
  })

  it('reports its own close with its own cause, not as the server’s, and reconnects', async () => {
    const s = await server()
    const conn = client(s.url)
    const closes: unknown[] = []
    const states: string[] = []
    conn.addEventListener('close', (e) => closes.push([e.code, e.cause, e.willReconnect]))
    conn.addEventListener('statechange', (e) => states.push(e.to))
    await until(conn, () => s.list[0]?.attached, 'attached')
    for (const ws of s.wss.clients) ws.send('not a resume frame')
    await until(conn, () => closes.length === 1, 'the close')
    expect(closes).toEqual([[4200, 'protocol-error', true]])
    // The layer ended the socket through the chart: it closed as any other close does.
    expect(states.slice(-2)).toEqual(['closing', 'waitingToReconnect'])
    expect(conn.metrics.lastClose?.cause).toBe('protocol-error')
  })

  it('the server refuses a first frame that is not a hello (4200) and an unknown version (1002)', async () => {
    const s = await server()
    for (const [first, code] of [
      ['hello', 4200],
      ['H{"v":2,"ack":0}', 1002],
    ] as const) {
      const ws = new WebSocket(s.url)
      await once(ws, 'open')
      ws.send(first)
      const [closeCode] = (await once(ws, 'close')) as [number]
      expect(closeCode).toBe(code)
    }
  })

  it('sweeps out a socket that stops answering protocol pings: its session starts its ttl', async () => {
    const s = await server({ sweepInterval: 30 })
    // A client whose TCP peer is gone: it never answers the server's pings.
    const ws = new WebSocket(s.url, { autoPong: false })
    cleanups.push(() => ws.terminate())
    await once(ws, 'open')
    const closed = once(ws, 'close')
    ws.send('H{"v":1,"ack":0}')
    const [session] = (await once(s.sessions, 'session')) as [Session]
    await once(session, 'detach')
    expect(session.attached).toBe(false)
    const [code] = (await closed) as [number]
    expect(code).toBe(1006)
  })

  it('answers heartbeat pings like attachHeartbeat', async () => {
    const s = await server()
    const ws = new WebSocket(s.url)
    await once(ws, 'open')
    ws.send('ping')
    const [data] = (await once(ws, 'message')) as [Buffer]
    expect(String(data)).toBe('pong')
    ws.close()
  })

  it('closes with 4200 when no welcome comes (a server without the protocol), and retries', async () => {
    const wss = new WebSocketServer({ host: '127.0.0.1', port: 0 })
    await once(wss, 'listening')
    cleanups.push(() => new Promise((resolve) => wss.close(resolve)))
    cleanups.push(() => {
      for (const client of wss.clients) client.terminate()
    })
    const conn = client(`ws://127.0.0.1:${(wss.address() as { port: number }).port}`, {
      welcomeTimeout: 30,
    })
    const closes: Array<[number, boolean]> = []
    conn.addEventListener('close', (e) => closes.push([e.code, e.willReconnect]))
    await until(conn, () => closes.length > 0, 'the close')
    expect(closes[0]).toEqual([4200, true])
  })

  it('validates its options, naming the option', () => {
    expect(() => resume({ maxBytes: 0 })).toThrow(/`maxBytes` must be a whole number ≥ 1; got 0/)
    expect(() => resume({ ackDelay: -1 })).toThrow(/`ackDelay`/)
    expect(() => resume({ bogus: 1 } as never)).toThrow(/unknown option `bogus`/)
    expect(() => resume({ welcomeTimeout: 0 })).toThrow(/`welcomeTimeout` must be/)
    expect(() => memoryStore({ ttl: 0 })).toThrow(
      /`ttl` must be a finite number of milliseconds > 0/,
    )
    expect(() =>
      createConnection('ws://127.0.0.1:1', { WebSocket: WebSocket as never, resume: {} as never }),
    ).toThrow(/`resume` must be a function/)
  })

  it('refuses a Blob with resume on, saying how to send it', async () => {
    const down = await refusingServer()
    cleanups.push(() => down.close())
    const conn = client(down.url)
    expect(() => conn.send(new Blob(['x']))).toThrow(/read a Blob first/)
  })

  it('the main entry carries none of the layer (an app that does not import it does not pay)', async () => {
    const result = await build({
      stdin: {
        contents: "export * from './src/index.ts'",
        resolveDir: process.cwd(),
        loader: 'ts',
      },
      bundle: true,
      write: false,
      format: 'esm',
      external: ['xstate'],
      logLevel: 'silent',
    })
    const code = result.outputFiles[0]?.text ?? ''
    expect(code).toContain('createConnection')
    expect(code).not.toContain('heartline/resume')
    expect(code).not.toContain('ackEvery')
  })
})

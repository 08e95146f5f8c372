/**
 * heartline/server against real `ws` servers and raw `ws` clients: app-level
 * pings answered, silent clients swept out, detach removes everything, and the
 * Sec-WebSocket-Accept helper checked against the RFC vectors and a real server.
 */
import { once } from 'node:events'
import http from 'node:http'
import type { AddressInfo } from 'node:net'
import { afterEach, describe, expect, it, vi } from 'vitest'
import WebSocket, { WebSocketServer } from 'ws'
import { acceptSteps, computeAccept } from '../src/handshake.js'
import { acceptSessions, attachHeartbeat } from '../src/server/index.js'

const cleanups: Array<() => unknown> = []
afterEach(async () => {
  vi.useRealTimers()
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup()
})

async function server(options: ConstructorParameters<typeof WebSocketServer>[0] = {}) {
  const wss = new WebSocketServer({ host: '127.0.0.1', port: 0, ...options })
  await once(wss, 'listening')
  cleanups.push(
    () =>
      new Promise((resolve) => {
        for (const ws of wss.clients ?? []) ws.terminate()
        wss.close(resolve)
      }),
  )
  return { wss, url: `ws://127.0.0.1:${(wss.address() as AddressInfo).port}` }
}

async function client(url: string, options: WebSocket.ClientOptions = {}) {
  const ws = new WebSocket(url, options)
  cleanups.push(() => ws.terminate())
  await once(ws, 'open')
  return ws
}

/** The next text message on `ws`. */
function nextText(ws: WebSocket): Promise<string> {
  return once(ws, 'message').then(([data]) => String(data))
}

describe('attachHeartbeat', () => {
  it('answers the app-level ping with the pong, and nothing else', async () => {
    const { wss, url } = await server()
    const detach = attachHeartbeat(wss)
    cleanups.push(detach)
    const ws = await client(url)
    // Neither text that is not the ping nor a binary "ping" gets an answer:
    // the first reply to arrive is the one for the real ping, and it is alone.
    ws.send('hello')
    ws.send('pin')
    ws.send(Buffer.from('ping'))
    ws.send('ping')
    const replies: string[] = []
    ws.on('message', (data) => replies.push(String(data)))
    await new Promise<void>((resolve) => ws.once('message', () => resolve()))
    ws.send('ping')
    await new Promise<void>((resolve) => ws.once('message', () => resolve()))
    expect(replies).toEqual(['pong', 'pong'])
  })

  it('uses custom ping and pong texts', async () => {
    const { wss, url } = await server()
    cleanups.push(attachHeartbeat(wss, { ping: '♥?', pong: '♥!' }))
    const ws = await client(url)
    const reply = nextText(ws)
    ws.send('♥?')
    expect(await reply).toBe('♥!')
  })

  it('answers clients that connected before it was attached', async () => {
    const { wss, url } = await server()
    const ws = await client(url)
    await vi.waitFor(() => expect(wss.clients.size).toBe(1))
    cleanups.push(attachHeartbeat(wss))
    const reply = nextText(ws)
    ws.send('ping')
    expect(await reply).toBe('pong')
  })

  it('answers pings on sockets whose binaryType is arraybuffer or fragments', async () => {
    for (const binaryType of ['arraybuffer', 'fragments'] as const) {
      const { wss, url } = await server()
      wss.on('connection', (socket) => {
        socket.binaryType = binaryType
      })
      cleanups.push(attachHeartbeat(wss))
      const ws = await client(url)
      const reply = nextText(ws)
      ws.send('ping')
      expect(await reply).toBe('pong')
    }
  })

  it('terminates a client that stops answering protocol pings, keeps one that answers', async () => {
    const { wss, url } = await server()
    // 150 ms between sweeps: the answering client must answer each ping before the
    // next sweep, and 40 ms was too little for a process on a loaded machine (the
    // healthy client was terminated and the wait for its pings never ended).
    cleanups.push(attachHeartbeat(wss, { sweepInterval: 150 }))
    const healthy = await client(url)
    const silent = await client(url, { autoPong: false })
    let healthyPings = 0
    healthy.on('ping', () => healthyPings++)
    let silentPings = 0
    silent.on('ping', () => silentPings++)

    const [code] = (await once(silent, 'close')) as [number]
    // Terminated without a close frame: the client sees an abnormal closure.
    expect(code).toBe(1006)
    expect(silentPings).toBeGreaterThanOrEqual(1)
    // The answering client stays through later sweeps.
    await new Promise<void>((resolve) => {
      const check = () => {
        if (healthyPings < 4) return
        healthy.off('ping', check)
        resolve()
      }
      healthy.on('ping', check)
    })
    expect(healthy.readyState).toBe(WebSocket.OPEN)
    expect(wss.clients.size).toBe(1)
  })

  it('sweeps clients of a server that does not track clients', async () => {
    const { wss, url } = await server({ clientTracking: false })
    cleanups.push(attachHeartbeat(wss, { sweepInterval: 40 }))
    const silent = await client(url, { autoPong: false })
    const reply = nextText(silent)
    silent.send('ping')
    expect(await reply).toBe('pong')
    const [code] = (await once(silent, 'close')) as [number]
    expect(code).toBe(1006)
  })

  it('detach removes every listener and the sweep timer', async () => {
    const { wss, url } = await server()
    const early = await client(url)
    await vi.waitFor(() => expect(wss.clients.size).toBe(1))
    const [earlySocket] = [...wss.clients] as [WebSocket]
    const counts = (ws: WebSocket) =>
      ['message', 'pong', 'close'].map((event) => ws.listenerCount(event))
    const before = { connection: wss.listenerCount('connection'), early: counts(earlySocket) }

    vi.useFakeTimers({ toFake: ['setInterval', 'clearInterval'] })
    const detach = attachHeartbeat(wss, { sweepInterval: 1000 })
    expect(vi.getTimerCount()).toBe(1)
    expect(wss.listenerCount('connection')).toBe(before.connection + 1)
    expect(counts(earlySocket)).toEqual(before.early.map((n) => n + 1))
    const late = await client(url)
    await vi.waitFor(() => expect(wss.clients.size).toBe(2))
    const lateSocket = [...wss.clients].find((s) => s !== earlySocket) as WebSocket
    const lateBefore = counts(lateSocket).map((n) => n - 1)

    detach()
    expect(vi.getTimerCount()).toBe(0)
    expect(wss.listenerCount('connection')).toBe(before.connection)
    expect(counts(earlySocket)).toEqual(before.early)
    expect(counts(lateSocket)).toEqual(lateBefore)

    // After detach a ping is just a message: the server lets the app see it, no pong.
    const seen = once(lateSocket, 'message').then(([data]) => String(data))
    let replied = false
    late.on('message', () => {
      replied = true
    })
    late.send('ping')
    expect(await seen).toBe('ping')
    // The close handshake is a round trip after the ping: a pong would have arrived first.
    late.close()
    await once(late, 'close')
    expect(replied).toBe(false)
    early.close()
  })

  it('rejects bad options with a clear error', () => {
    const wss = new WebSocketServer({ noServer: true })
    expect(() => attachHeartbeat(wss, { sweepInterval: Number.NaN })).toThrow(/got NaN\./)
    expect(() => attachHeartbeat(wss, { sweepInterval: null as never })).toThrow(
      /`sweepInterval`.*got null/,
    )
    expect(() => attachHeartbeat(wss, { sweepInterval: -1 })).toThrow(
      /`sweepInterval` must be a finite number ≥ 0; got number -1/,
    )
    expect(() => attachHeartbeat(wss, { ping: 42 as never })).toThrow(
      /`ping` must be a string; got number 42/,
    )
    expect(() => attachHeartbeat(wss, { pong: null as never })).toThrow(
      /`pong` must be a string; got null/,
    )
    expect(wss.listenerCount('connection')).toBe(0)
  })
})

describe('acceptSessions reuses the heartbeat', () => {
  it('checks ping, pong and sweepInterval as attachHeartbeat does, message for message', () => {
    const wss = new WebSocketServer({ noServer: true })
    const thrown = (attach: () => unknown) => {
      try {
        attach()
      } catch (error) {
        return String(error)
      }
      return 'nothing thrown'
    }
    for (const bad of [
      { ping: 42 },
      { ping: null },
      { pong: null },
      { sweepInterval: -1 },
      { sweepInterval: Number.NaN },
    ]) {
      const heartbeat = thrown(() => attachHeartbeat(wss, bad as never))
      expect(heartbeat).toMatch(/^(Type|Range)Error: heartline\/server: `/)
      expect(thrown(() => acceptSessions(wss, bad as never))).toBe(heartbeat)
    }
    expect(wss.listenerCount('connection')).toBe(0)
  })

  it('after close(): no new socket is taken and the sweep stops, attached sockets keep their pongs', async () => {
    const { wss, url } = await server()
    vi.useFakeTimers({ toFake: ['setInterval', 'clearInterval'] })
    const sessions = acceptSessions(wss, { sweepInterval: 1000 })
    expect(vi.getTimerCount()).toBe(1)
    const ws = await client(url)
    ws.send('H{"v":1,"ack":0}')
    expect(await nextText(ws)).toMatch(/^W/)
    // The sweep, and the attached session's refresh of its store ttl.
    expect(vi.getTimerCount()).toBe(2)
    sessions.close()
    expect(wss.listenerCount('connection')).toBe(0)
    expect(vi.getTimerCount()).toBe(1)
    const reply = nextText(ws)
    ws.send('ping')
    expect(await reply).toBe('pong')
  })
})

describe('computeAccept', () => {
  it.each([
    ['dGhlIHNhbXBsZSBub25jZQ==', 's3pPLMBiTxaQ9kYGzzhZRbK+xOo='],
    ['w4v7O6xFTi36lq3RNcgctw==', 'Oy4NRAQ13jhfONC7bP8dTKb4PTU='],
  ])('%s → %s', async (key, accept) => {
    expect(await computeAccept(key)).toBe(accept)
    const steps = await acceptSteps(key)
    expect(steps.concatenated).toBe(`${key}258EAFA5-E914-47DA-95CA-C5AB0DC85B11`)
    expect(Buffer.from(steps.sha1Hex, 'hex').toString('base64')).toBe(accept)
  })

  it('matches the Sec-WebSocket-Accept header a real ws server sends', async () => {
    const { url } = await server()
    const { port } = new URL(url)
    for (let i = 0; i < 3; i++) {
      const key = Buffer.from(
        Array.from({ length: 16 }, () => Math.floor(Math.random() * 256)),
      ).toString('base64')
      const request = http.request({
        host: '127.0.0.1',
        port,
        headers: {
          Connection: 'Upgrade',
          Upgrade: 'websocket',
          'Sec-WebSocket-Key': key,
          'Sec-WebSocket-Version': '13',
        },
      })
      request.end()
      const [response, socket] = (await once(request, 'upgrade')) as [
        http.IncomingMessage,
        import('node:net').Socket,
      ]
      socket.destroy()
      expect(response.statusCode).toBe(101)
      expect(await computeAccept(key)).toBe(response.headers['sec-websocket-accept'])
    }
  })

  it('rejects a missing key with a clear error', async () => {
    await expect(computeAccept('')).rejects.toThrow(/takes the Sec-WebSocket-Key header/)
  })
})

/**
 * `admission()` and `drain()` against hostile clients: refused sockets that
 * never close their side, clients that trickle a byte at a time, and junk
 * handshakes that never come back for their retry slot. Sockets held are
 * counted on the server; the refusal timers run on vitest's fake timers.
 */
import { once } from 'node:events'
import http from 'node:http'
import net from 'node:net'
import { afterEach, describe, expect, it, vi } from 'vitest'
import WebSocket, { WebSocketServer } from 'ws'
import { parseRetryHint } from '../src/index.js'
import { admission, drain } from '../src/server/index.js'
import { until } from './helpers/hostile.js'

const cleanups: Array<() => unknown> = []
afterEach(async () => {
  vi.useRealTimers()
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup()
})

const UPGRADE =
  'GET / HTTP/1.1\r\nHost: 127.0.0.1\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n' +
  'Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 13\r\n\r\n'

/** An HTTP server with a `ws` server on it, counting the TCP sockets it still holds. */
async function start() {
  const server = http.createServer()
  const sockets = new Set<net.Socket>()
  server.on('connection', (socket) => sockets.add(socket))
  const wss = new WebSocketServer({ server })
  wss.on('connection', (ws) => ws.on('error', () => undefined))
  // After the gate's own listener (ws registered it first): the upgrade was answered.
  const upgrades = { count: 0 }
  server.on('upgrade', () => upgrades.count++)
  server.listen(0, '127.0.0.1')
  await once(server, 'listening')
  cleanups.push(() => new Promise((resolve) => server.close(resolve)))
  cleanups.push(() => {
    for (const socket of sockets) socket.destroy()
  })
  const port = (server.address() as net.AddressInfo).port
  const held = () => [...sockets].filter((s) => !s.destroyed).length
  /** A client that sends an upgrade, never reads, and never closes its side. */
  const halfOpen = async () => {
    const socket = net.connect({ port, host: '127.0.0.1' })
    cleanups.push(() => socket.destroy())
    socket.on('error', () => undefined)
    await once(socket, 'connect')
    socket.pause()
    socket.write(UPGRADE)
    return socket
  }
  return { server, wss, port, held, halfOpen, sockets, upgrades }
}

function fakeTimers(): void {
  vi.useFakeTimers({ toFake: ['setTimeout', 'clearTimeout', 'setInterval', 'clearInterval'] })
}

describe('refused sockets are destroyed after a deadline', () => {
  it("admission({ refuse: 'http' }): half-open clients are let go", async () => {
    fakeTimers()
    const s = await start()
    admission(s.wss, { perSecond: 1, burst: 1, refuse: 'http', now: () => 0 })
    const clients = await Promise.all(Array.from({ length: 21 }, () => s.halfOpen()))
    await until(() => s.upgrades.count === 21, 'every upgrade answered')
    // One was admitted (the burst); the others were answered 503.
    vi.advanceTimersByTime(5000)
    await until(
      () => s.held() <= 1,
      () => `sockets held: ${s.held()}`,
      3000,
    )
    expect(clients).toHaveLength(21)
  })

  it("admission({ refuse: 'close' }): a client trickling a byte every 2 s cannot extend the deadline", async () => {
    fakeTimers()
    const s = await start()
    admission(s.wss, { perSecond: 1, burst: 1, now: () => 0 })
    const clients = await Promise.all(Array.from({ length: 11 }, () => s.halfOpen()))
    await until(() => s.upgrades.count === 11, 'every upgrade answered')
    for (let i = 0; i < 4; i++) {
      for (const c of clients) if (!c.destroyed) c.write('x')
      vi.advanceTimersByTime(2000)
    }
    await until(
      () => s.held() <= 1,
      () => `sockets held: ${s.held()}`,
      3000,
    )
  })

  it('drain(): newcomers refused with 503 that never close are let go', async () => {
    fakeTimers()
    const s = await start()
    await drain(s.wss, { window: 1000 })
    await Promise.all(Array.from({ length: 20 }, () => s.halfOpen()))
    await until(() => s.upgrades.count === 20, 'every upgrade answered')
    vi.advanceTimersByTime(5000)
    await until(
      () => s.held() === 0,
      () => `sockets held: ${s.held()}`,
      3000,
    )
  })
})

describe('retry slots', () => {
  it("junk handshakes that never come back do not push a real client's hint", async () => {
    const s = await start()
    admission(s.wss, { perSecond: 100, burst: 1, now: () => 0 })
    // The burst goes to a first client; every later one is refused.
    const first = new WebSocket(`ws://127.0.0.1:${s.port}`)
    cleanups.push(() => first.terminate())
    await once(first, 'open')
    // Each sends its upgrade and is gone before it could read the answer.
    for (let i = 0; i < 300; i++) {
      const junk = net.connect({ port: s.port, host: '127.0.0.1' })
      junk.on('error', () => undefined)
      junk.on('connect', () => junk.end(UPGRADE, () => junk.destroy()))
    }
    await until(
      () => s.sockets.size === 301 && s.held() === 1,
      () => `held ${s.held()}`,
    )
    const real = new WebSocket(`ws://127.0.0.1:${s.port}`)
    const [code, reason] = (await once(real, 'close')) as [number, Buffer]
    expect(code).toBe(1013)
    expect(parseRetryHint(String(reason))).toBeLessThanOrEqual(100)
    real.terminate()
  })
})

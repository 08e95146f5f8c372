/**
 * The fault harness checks itself: a recorder that could not see two live
 * sockets, or a proxy whose black hole leaked, would make the matrix pass for
 * the wrong reason.
 */
import { once } from 'node:events'
import { readFileSync } from 'node:fs'
import { type AddressInfo, createServer } from 'node:net'
import { afterEach, describe, expect, it } from 'vitest'
import WebSocket, { WebSocketServer } from 'ws'
import { FaultProxy } from './harness/proxy.js'
import { SocketRecorder } from './harness/recorder.js'
import { ServerProcess } from './harness/server-process.js'

const cleanups: Array<() => unknown> = []
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup()
})

/** The state letter of process `pid` (`T` when stopped), from /proc/PID/stat. */
function processState(pid: number | undefined): string {
  if (pid === undefined) return '?'
  const stat = readFileSync(`/proc/${pid}/stat`, 'utf8')
  return stat.slice(stat.lastIndexOf(')') + 2, stat.lastIndexOf(')') + 3)
}

/** Bytes the kernel holds unread on the IPv4 loopback socket `localPort` ↔ `remotePort`. */
function receiveQueue(localPort: number, remotePort: number): number {
  const hex = (port: number) => port.toString(16).toUpperCase().padStart(4, '0')
  for (const line of readFileSync('/proc/net/tcp', 'utf8').split('\n').slice(1)) {
    const fields = line.trim().split(/\s+/)
    if (fields[1]?.endsWith(`:${hex(localPort)}`) && fields[2]?.endsWith(`:${hex(remotePort)}`))
      return Number.parseInt(fields[4]?.split(':')[1] ?? '0', 16)
  }
  return -1
}

/**
 * Re-checks a kernel fact that no event announces (a process's state, a socket's
 * queue) every few milliseconds, with a bound that turns a hang into a failure.
 */
async function poll(check: () => boolean, what: string, timeout = 10_000): Promise<void> {
  const deadline = performance.now() + timeout
  while (!check()) {
    if (performance.now() > deadline) throw new Error(`timed out waiting for ${what}`)
    await new Promise((resolve) => setTimeout(resolve, 5))
  }
}

/** An in-process echo server that also records what it receives. */
async function echoServer() {
  const wss = new WebSocketServer({ host: '127.0.0.1', port: 0 })
  const received: string[] = []
  wss.on('connection', (ws) => {
    ws.on('message', (data) => {
      received.push(String(data))
      ws.send(String(data))
    })
  })
  await once(wss, 'listening')
  cleanups.push(
    () =>
      new Promise((resolve) => {
        for (const ws of wss.clients) ws.terminate()
        wss.close(resolve)
      }),
  )
  return { wss, received, port: (wss.address() as AddressInfo).port }
}

function open(url: string, Ctor: typeof WebSocket = WebSocket): Promise<WebSocket> {
  const ws = new Ctor(url)
  ws.on('error', () => undefined)
  cleanups.push(() => ws.terminate())
  return once(ws, 'open').then(() => ws)
}

describe('SocketRecorder', () => {
  it('flags a socket created or opened while another one is live', async () => {
    const { port } = await echoServer()
    const rec = new SocketRecorder(WebSocket as never)
    const Ctor = rec.WebSocket as unknown as typeof WebSocket
    const first = await open(`ws://127.0.0.1:${port}`, Ctor)
    await open(`ws://127.0.0.1:${port}`, Ctor)
    expect(rec.violations).toEqual([
      'socket #1 created while #0 live',
      'socket #1 opened while #0 open',
    ])
    expect(rec.maxLive).toBe(2)
    first.close()
    rec.sockets[1]?.ws.close()
    await rec.waitFor(() => rec.allClosed, 'both closed')
    // Asking a socket to close ends its life: a successor is then allowed.
    await open(`ws://127.0.0.1:${port}`, Ctor)
    expect(rec.violations).toHaveLength(2)
    expect(rec.sockets.map((s) => s.sent)).toEqual([[], [], []])
  })
})

describe('FaultProxy', () => {
  it('passes, delays, black-holes and resets', async () => {
    const server = await echoServer()
    const proxy = await FaultProxy.start(server.port)
    cleanups.push(() => proxy.close())
    const ws = await open(proxy.url)
    const roundTrip = async (text: string) => {
      const started = performance.now()
      const reply = once(ws, 'message')
      ws.send(text)
      expect(String((await reply)[0])).toBe(text)
      return performance.now() - started
    }
    await roundTrip('pass')

    proxy.setMode({ delay: 60 })
    // Delayed on the way there and back.
    expect(await roundTrip('slow')).toBeGreaterThanOrEqual(110)

    proxy.setMode('black-hole')
    ws.send('lost')
    await proxy.waitFor(() => proxy.links[0]?.swallowed, 'the black hole swallowing')
    proxy.setMode('pass')
    await roundTrip('found')
    // The black hole discarded, it did not buffer.
    expect(server.received).toEqual(['pass', 'slow', 'found'])
    expect(ws.readyState).toBe(WebSocket.OPEN)

    const closed = once(ws, 'close')
    proxy.setMode('reset')
    const [code] = (await closed) as [number]
    expect(code).toBe(1006)
    // New connections are reset too, until the mode changes.
    const refused = new WebSocket(proxy.url)
    const errors: Error[] = []
    refused.on('error', (error) => errors.push(error))
    const code2 = await new Promise((resolve) => refused.on('close', resolve))
    expect(code2).toBe(1006)
    expect(errors.map((e) => (e as { code?: string }).code)).toEqual(['ECONNRESET'])
  })

  it('black-holes only the existing links when asked', async () => {
    const server = await echoServer()
    const proxy = await FaultProxy.start(server.port)
    cleanups.push(() => proxy.close())
    const old = await open(proxy.url)
    proxy.setMode('black-hole', 'existing')
    const fresh = await open(proxy.url)
    const reply = once(fresh, 'message')
    old.send('old')
    fresh.send('fresh')
    await reply
    expect(server.received).toEqual(['fresh'])
  })
})

describe('ServerProcess', () => {
  it('reports a port another process holds at once, and takes it on a retry once it is free', async () => {
    const blocker = createServer()
    await new Promise<void>((resolve) => blocker.listen(0, '127.0.0.1', resolve))
    const { port } = blocker.address() as AddressInfo
    cleanups.push(() => new Promise((resolve) => blocker.close(resolve)))
    const server = new ServerProcess()
    cleanups.push(() => server.kill())
    const refusals = () => server.records.filter((r) => r.type === 'listen-failed').length
    // Held for good: the reason, after a bounded number of fresh attempts.
    await expect(server.start(port)).rejects.toThrow(
      `server could not listen on port ${port}: EADDRINUSE`,
    )
    expect(refusals()).toBe(10)
    // Held at first, let go after the next refusal: a retry gets the port.
    const starting = server.start(port)
    await server.waitFor(() => refusals() > 10, 'a refusal of the restart')
    await new Promise((resolve) => blocker.close(resolve))
    await starting
    expect(server.port).toBe(port)
    const ws = await open(server.url)
    ws.send('on the freed port')
    await server.waitFor(() => server.messages.includes('on the freed port'), 'the message')
    ws.close()
  })

  it('freezes, thaws, kills and restarts on the same port', async () => {
    const server = new ServerProcess()
    cleanups.push(() => server.kill())
    await server.start()
    const port = server.port
    const ws = await open(server.url)
    ws.send('frozen?')
    await server.waitFor(() => server.messages.includes('frozen?'), 'first message')

    server.freeze()
    // SIGSTOP lands asynchronously: the kernel says when the process has stopped.
    await poll(() => processState(server.pid) === 'T', 'the server process stopped (state T)')
    let replied = false
    ws.once('message', () => {
      replied = true
    })
    ws.send('ping')
    // The kernel takes the ping into the server's receive queue; the stopped
    // process cannot read it, so it stays there and no reply can be on its way.
    const local = (ws as unknown as { _socket: { localPort: number } })._socket.localPort
    await poll(() => receiveQueue(port, local) > 0, 'the ping queued unread at the server')
    expect(processState(server.pid)).toBe('T')
    expect(receiveQueue(port, local)).toBeGreaterThan(0)
    expect(replied).toBe(false)
    server.thaw()
    await once(ws, 'message')
    expect(replied).toBe(true)
    expect(receiveQueue(port, local)).toBe(0)

    const closed = once(ws, 'close')
    await server.kill()
    expect(((await closed) as [number])[0]).toBe(1006)
    await server.start(port)
    expect(server.port).toBe(port)
    const again = await open(server.url)
    again.send('second run')
    await server.waitFor(() => server.messages.includes('second run'), 'message to the new run')
    expect(server.records.find((r) => r.data === 'second run')?.run).toBe(2)
  })
})

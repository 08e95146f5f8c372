/**
 * The benchmark server, always run in its own process (so the client under test
 * has a core's worth of event loop to itself and the server can be frozen with
 * SIGSTOP or killed). Driven over the IPC channel:
 *
 *   { cmd: 'listen', mode: 'raw' | 'ws', port }  →  { listening: port }
 *
 * `raw` is a minimal hand-written endpoint for the throughput runs, so that the
 * server costs next to nothing and the client is what gets measured:
 *   GET /in?n=N   after the handshake, writes N pre-framed 32-byte text messages in one go;
 *   GET /out?n=N  counts the bytes of N masked 32-byte text frames, then answers "done";
 *   GET /bulk?n=N the 101 response and N pre-framed 32-byte text messages as one Buffer,
 *                 built once per N and handed to the socket in a single write, so the
 *                 client reads them in large chunks and is all that is measured.
 *   GET /rin?n=N, /rout?n=N  the same speaking the resume protocol (docs/resume-protocol.md):
 *   the client's hello is answered with a welcome, messages are numbered `M<seq> `, and
 *   "done" is message 1; the client's acks are read and ignored.
 * `ws` is an ordinary `ws` server with heartline's server companion answering
 * "ping" with "pong" (the dead-link, herd, memory and idle-cost runs).
 */
import { createHash } from 'node:crypto'
import { createServer, type IncomingMessage } from 'node:http'
import type { Duplex } from 'node:stream'
import { WebSocketServer } from 'ws'
import { attachHeartbeat } from '../src/server/index.js'
import { CLIENT_FRAME_BYTES, PAYLOAD } from './wire.js'

const now = () => performance.timeOrigin + performance.now()
const GUID = '258EAFA5-E914-47DA-95CA-C5AB0DC85B11'

function serverFrame(text: string): Buffer {
  const payload = Buffer.from(text)
  if (payload.length > 125) throw new Error('short frames only')
  return Buffer.concat([Buffer.from([0x81, payload.length]), payload])
}

/** `/bulk` bodies by message count: built once, so the server does no work per trial but write. */
const bulk = new Map<number, Buffer>()
function bulkFrames(n: number): Buffer {
  let all = bulk.get(n)
  if (all === undefined) {
    const one = serverFrame(PAYLOAD)
    all = Buffer.allocUnsafe(one.length * n)
    for (let i = 0; i < n; i++) one.copy(all, i * one.length)
    bulk.set(n, all)
  }
  return all
}

function rawUpgrade(req: IncomingMessage, socket: Duplex): void {
  const key = req.headers['sec-websocket-key']
  if (typeof key !== 'string') {
    socket.destroy()
    return
  }
  const early = new URL(req.url ?? '/', 'http://x')
  // Pre-framed before the handshake is answered, like /in: the client's timer starts at open.
  const prepared =
    early.pathname === '/rin' ? resumeFrames(Number(early.searchParams.get('n') ?? '0')) : null
  const accept = createHash('sha1')
    .update(key + GUID)
    .digest('base64')
  socket.on('error', () => undefined)
  const response =
    'HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n' +
    `Sec-WebSocket-Accept: ${accept}\r\n\r\n`
  const url = new URL(req.url ?? '/', 'http://x')
  const n = Number(url.searchParams.get('n') ?? '0')
  if (url.pathname === '/bulk') {
    socket.write(Buffer.concat([Buffer.from(response), bulkFrames(n)]))
    socket.on('data', () => undefined)
    return
  }
  socket.write(response)
  if (url.pathname === '/rin' || url.pathname === '/rout') {
    resumeEndpoint(socket, prepared, n)
    return
  }
  if (url.pathname === '/in') {
    const one = serverFrame(PAYLOAD)
    const all = Buffer.allocUnsafe(one.length * n)
    for (let i = 0; i < n; i++) one.copy(all, i * one.length)
    socket.write(all)
    socket.on('data', () => undefined)
    return
  }
  if (url.pathname === '/out') {
    const want = n * CLIENT_FRAME_BYTES
    let got = 0
    let done = false
    socket.on('data', (chunk: Buffer) => {
      got += chunk.length
      if (!done && got >= want) {
        done = true
        socket.write(serverFrame('done'))
      }
    })
    return
  }
  socket.destroy()
}

/** Bytes of the client's masked frame for a text message of `length` bytes (≤ 125). */
const clientFrameBytes = (length: number) => 2 + 4 + length

const WELCOME = 'W{"v":1,"sid":"bench","ack":0,"resumed":false}'

/** The welcome and messages 1…n, framed, in one buffer. */
function resumeFrames(n: number): Buffer {
  const buffer = Buffer.allocUnsafe(2 + WELCOME.length + n * (2 + 32 + 2 + 16))
  let at = 0
  const put = (text: string) => {
    buffer[at] = 0x81
    buffer[at + 1] = text.length
    at += 2 + buffer.write(text, at + 2, 'latin1')
  }
  put(WELCOME)
  for (let i = 1; i <= n; i++) put(`M${i} ${PAYLOAD}`)
  return buffer.subarray(0, at)
}

function resumeEndpoint(socket: Duplex, prepared: Buffer | null, n: number): void {
  const inbound = prepared !== null
  const welcome = serverFrame(WELCOME)
  const hello = clientFrameBytes('H{"v":1,"ack":0}'.length)
  let got = 0
  let want = hello
  if (!inbound) for (let i = 1; i <= n; i++) want += clientFrameBytes(`M${i} `.length + 32)
  let welcomed = false
  let done = false
  socket.on('data', (chunk: Buffer) => {
    got += chunk.length
    if (!welcomed && got >= hello) {
      welcomed = true
      socket.write(prepared ?? welcome)
    }
    if (!inbound && !done && got >= want) {
      done = true
      socket.write(serverFrame('M1 done'))
    }
  })
}

function listen(mode: 'raw' | 'ws', port: number): void {
  if (mode === 'raw') {
    const http = createServer()
    http.on('upgrade', rawUpgrade)
    http.listen(port, '127.0.0.1', () => {
      const address = http.address()
      process.send?.({
        listening: typeof address === 'object' && address ? address.port : 0,
        at: now(),
      })
    })
    return
  }
  const wss = new WebSocketServer({ host: '127.0.0.1', port })
  wss.on('connection', (socket) => socket.on('error', () => undefined))
  attachHeartbeat(wss, { sweepInterval: 0 })
  wss.on('listening', () => {
    const address = wss.address()
    process.send?.({
      listening: typeof address === 'object' && address ? address.port : 0,
      at: now(),
    })
  })
}

if (process.send !== undefined) {
  process.on(
    'message',
    (message: { cmd: string; mode: 'raw' | 'ws'; port: number; at?: number }) => {
      if (message.cmd !== 'listen') return
      const wait = (message.at ?? 0) - now()
      if (wait > 0) setTimeout(() => listen(message.mode, message.port), wait)
      else listen(message.mode, message.port)
    },
  )
  process.on('disconnect', () => process.exit(0))
  process.send({ ready: true })
}

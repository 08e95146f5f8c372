/**
 * heartline/streams in Chromium. Over the browser's own WebSocket, which cannot
 * pause reading: the readable's bounded buffer fails with a RangeError when it
 * overflows (reported, never silent), and the writable delivers every byte in
 * order with its backpressure following bufferedAmount. Over `StreamSocket`
 * (WebSocketStream): the readable pauses the network (the server's own buffer
 * grows while the page holds only the mark), reads one message per heartbeat
 * while paused, and the socket behaves as the browser's WebSocket does.
 */
import { once } from 'node:events'
import type { Browser, Page } from 'playwright-core'
import { afterAll, beforeAll, expect, it } from 'vitest'
import { type WebSocket as ServerSocket, WebSocketServer } from 'ws'
import { launchChromium } from './helpers/chromium.js'
import { type LibraryPage, serveLibraryPage } from './helpers/library-page.js'

let site: LibraryPage
let browser: Browser
let page: Page
let wss: WebSocketServer
let url: string
const received: number[] = []
/** The server's end of the latest `/fast` connection, and the pings it got. */
let fast: ServerSocket | undefined
let pings = 0
/** Close codes and reasons the server's `/echo` sockets saw. */
const echoCloses: string[] = []
const CHUNK = 64 * 1024
const FAST_COUNT = 256 // 16 MiB: far more than loopback and Chromium hold in flight (about 5 MiB)

beforeAll(async () => {
  site = await serveLibraryPage(
    'streams',
    new URL('./fixtures/streams-page.ts', import.meta.url).pathname,
  )
  browser = await launchChromium()
  page = await browser.newPage()
  await page.goto(site.url)
  await page.waitForFunction('window.ready === true')
  wss = new WebSocketServer({
    host: '127.0.0.1',
    port: 0,
    handleProtocols: (offered) => (offered.has('chat') ? 'chat' : false),
  })
  await once(wss, 'listening')
  url = `ws://127.0.0.1:${(wss.address() as { port: number }).port}`
  wss.on('connection', (ws, request) => {
    if (request.url === '/flood') {
      for (let i = 0; i < 64; i++) ws.send(Buffer.alloc(64 * 1024, i))
    } else if (request.url === '/fast') {
      // As fast as it can: everything handed to ws at once.
      fast = ws
      pings = 0
      ws.on('message', (data, isBinary) => {
        if (!isBinary && String(data) === 'ping') {
          pings++
          ws.send('pong')
        }
      })
      for (let i = 0; i < FAST_COUNT; i++) {
        const chunk = Buffer.alloc(CHUNK)
        chunk.writeUInt32BE(i, 0)
        ws.send(chunk)
      }
    } else if (request.url === '/echo') {
      ws.on('message', (data, isBinary) => {
        const text = String(data)
        if (!isBinary && text.startsWith('close:')) {
          const [, code, reason] = text.split(':')
          ws.close(Number(code), reason)
        } else if (!isBinary && text === 'kill') ws.terminate()
        else ws.send(data, { binary: isBinary })
      })
      ws.on('close', (code, reason) => echoCloses.push(`${code} ${String(reason)}`))
    } else {
      ws.on('message', (data: Buffer) => received.push(data.readUInt32BE(0)))
    }
  })
}, 60_000)

afterAll(async () => {
  await browser?.close()
  await site?.close()
  for (const ws of wss?.clients ?? []) ws.terminate()
  await new Promise((resolve) => wss?.close(resolve))
})

it('readable: a WebSocket cannot pause, so an overflow of maxBytes fails the stream with a RangeError', async () => {
  const outcome = await page.evaluate(async (base) => {
    const { createConnection, toStreams } = (
      window as never as { heartline: typeof import('./fixtures/streams-page.js') }
    ).heartline
    const conn = createConnection(`${base}/flood`, { reconnect: false })
    const { readable } = toStreams(conn, { highWaterMark: 64 * 1024, maxBytes: 256 * 1024 })
    const reader = readable.getReader()
    const first = await reader.read()
    let error: unknown
    try {
      for (;;) {
        await new Promise((resolve) => setTimeout(resolve, 0))
        if ((await reader.read()).done) break
      }
    } catch (e) {
      error = e
    }
    conn.close()
    return {
      first: (first.value as Blob).size,
      paused: conn.pauseReading(true),
      error: error instanceof RangeError ? error.message : String(error),
    }
  }, url)
  expect(outcome.first).toBe(64 * 1024)
  expect(outcome.paused).toBe(false)
  expect(outcome.error).toMatch(/over `maxBytes` \(262144\); this socket cannot pause reading/)
})

it('writable: every chunk arrives once, in order, with bufferedAmount at most the mark after each write', async () => {
  const result = await page.evaluate(async (base) => {
    const { createConnection, toStreams } = (
      window as never as { heartline: typeof import('./fixtures/streams-page.js') }
    ).heartline
    const conn = createConnection(`${base}/sink`, { reconnect: false })
    const writer = toStreams(conn, { highWaterMark: 128 * 1024 }).writable.getWriter()
    let over = 0
    for (let i = 0; i < 200; i++) {
      const chunk = new Uint8Array(16 * 1024)
      new DataView(chunk.buffer).setUint32(0, i)
      await writer.write(chunk)
      if (conn.bufferedAmount > 128 * 1024) over++
    }
    await writer.close()
    return { over, state: conn.state }
  }, url)
  expect(result.over).toBe(0)
  await expect.poll(() => received.length, { timeout: 10_000 }).toBe(200)
  expect(received).toEqual(Array.from({ length: 200 }, (_, i) => i))
})

type Heartline = typeof import('./fixtures/streams-page.js')
type PageWindow = Window & { heartline: Heartline; fast: FastPage }
interface FastPage {
  /** Runs the timers due in `ms` and returns the connection's state right after. */
  advance(ms: number): string
  held(): { arrived: number; bytes: number; state: string; closes: number[] }
  readAll(count: number): Promise<{ order: boolean; count: number; extra: unknown[] }>
}

it('readable over StreamSocket: the network pauses (the server’s buffer grows, the page holds the mark), one message per heartbeat while paused, then everything in order', async () => {
  await page.evaluate(
    ([base, chunk]) => {
      const w = window as never as PageWindow
      const { createConnection, toStreams, StreamSocket } = w.heartline
      // A clock the test moves by hand: every timer of the connection runs on it.
      let now = 0
      const timers = new Set<{ at: number; fn: () => void }>()
      const clock = {
        now: () => now,
        setTimeout: (fn: () => void, ms: number) => {
          const timer = { at: now + ms, fn }
          timers.add(timer)
          return timer
        },
        clearTimeout: (timer: unknown) => {
          timers.delete(timer as { at: number; fn: () => void })
        },
      }
      const conn = createConnection(`${base}/fast`, {
        WebSocket: StreamSocket,
        binaryType: 'arraybuffer',
        clock,
        heartbeat: { interval: 1000, timeout: 1000 },
        reconnect: false,
      })
      let arrived = 0
      let bytes = 0
      const closes: number[] = []
      conn.addEventListener('message', (e) => {
        arrived++
        bytes += (e.data as ArrayBuffer).byteLength ?? 0
      })
      conn.addEventListener('close', (e) => closes.push(e.code))
      const { readable } = toStreams(conn, { highWaterMark: 4 * chunk, maxBytes: 8 * chunk })
      w.fast = {
        advance(ms) {
          const end = now + ms
          for (;;) {
            const due = [...timers].filter((t) => t.at <= end).sort((a, b) => a.at - b.at)[0]
            if (due === undefined) break
            timers.delete(due)
            now = due.at
            due.fn()
          }
          now = end
          return conn.state
        },
        held: () => ({ arrived, bytes, state: conn.state, closes }),
        async readAll(count) {
          const reader = readable.getReader()
          let order = true
          for (let i = 0; i < count; i++) {
            const { value } = await reader.read()
            if (new DataView(value as ArrayBuffer).getUint32(0) !== i) order = false
          }
          conn.close()
          const extra: unknown[] = []
          for (;;) {
            const { value, done } = await reader.read()
            if (done) break
            extra.push(value)
          }
          return { order, count, extra }
        },
      }
    },
    [url, CHUNK] as const,
  )
  const held = () => page.evaluate(() => (window as never as PageWindow).fast.held())
  // Paused at the mark: four messages of 64 KiB, no more (each read takes one message).
  await expect.poll(held, { timeout: 20_000 }).toMatchObject({ arrived: 4, state: 'open' })
  // Heartbeats while paused: each ping has the socket read exactly one message,
  // which proves the link (the pong waits behind the unread data).
  for (let beat = 1; beat <= 3; beat++) {
    // The ping goes out, the read it allows ends on a later turn.
    expect(await page.evaluate(() => (window as never as PageWindow).fast.advance(1000))).toBe(
      'awaitingPong',
    )
    await expect.poll(held).toMatchObject({ arrived: 4 + beat, state: 'open' })
  }
  await page.evaluate(() => (window as never as PageWindow).fast.advance(999))
  expect(await held()).toEqual({ arrived: 7, bytes: 7 * CHUNK, state: 'open', closes: [] })
  expect(pings).toBe(3)
  // Backpressure reached the server: most of the 16 MiB is still in its own buffer.
  expect(fast?.bufferedAmount ?? 0).toBeGreaterThan(8 * 1024 * 1024)
  const all = await page.evaluate(
    (count) => (window as never as PageWindow).fast.readAll(count),
    FAST_COUNT,
  )
  // Every message once and in order; the three pongs were read and hidden.
  expect(all).toEqual({ order: true, count: FAST_COUNT, extra: [] })
  expect((await held()).arrived).toBe(FAST_COUNT)
})

/**
 * One socket's life, run with the browser's WebSocket and with StreamSocket:
 * the two transcripts must be equal.
 */
async function transcript(kind: 'WebSocket' | 'StreamSocket', base: string) {
  return page.evaluate(
    async ([kind, base]) => {
      const { StreamSocket } = (window as never as PageWindow).heartline
      const Ctor = (kind === 'WebSocket' ? WebSocket : StreamSocket) as typeof WebSocket
      const log: unknown[] = []
      const record = (ws: WebSocket) => {
        for (const type of ['open', 'error', 'close'] as const) {
          ws.addEventListener(type, (e) =>
            log.push(
              e instanceof CloseEvent
                ? [type, e.code, e.reason, e.wasClean, ws.readyState]
                : [type, ws.readyState],
            ),
          )
        }
      }
      const ended = (ws: WebSocket) =>
        new Promise((resolve) => ws.addEventListener('close', resolve))
      const attempt = (name: string, fn: () => void) => {
        try {
          fn()
          log.push([name, 'ok'])
        } catch (e) {
          log.push([name, (e as DOMException).name])
        }
      }
      const describe = async (data: unknown) =>
        typeof data === 'string'
          ? ['text', data]
          : data instanceof Blob
            ? ['blob', await data.text()]
            : ['arraybuffer', [...new Uint8Array(data as ArrayBuffer)]]

      // Checks before open, then data both ways and the server's close.
      const ws = new Ctor(`${base}/echo`, ['chat'])
      record(ws)
      log.push(['new', ws.readyState, ws.binaryType, ws.bufferedAmount, ws.protocol, ws.url])
      attempt('send while connecting', () => ws.send('x'))
      attempt('close(1001)', () => ws.close(1001))
      attempt('close(1000, 124 bytes)', () => ws.close(1000, 'é'.repeat(62)))
      await new Promise((resolve) => ws.addEventListener('open', resolve))
      log.push(['opened', ws.protocol, ws.extensions])
      const messages: unknown[] = []
      ws.onmessage = (e) => messages.push(e.data)
      ws.send('hello')
      ws.send(new Uint8Array([1, 2, 3]))
      ws.send(new Blob(['a blob']))
      ws.send('after the blob')
      while (messages.length < 4) await new Promise((resolve) => setTimeout(resolve, 5))
      ws.binaryType = 'arraybuffer'
      ws.binaryType = 'nodebuffer' as BinaryType
      log.push(['binaryType', ws.binaryType])
      ws.send(new Uint16Array([0x0201]))
      while (messages.length < 5) await new Promise((resolve) => setTimeout(resolve, 5))
      for (const m of messages) log.push(await describe(m))
      // bufferedAmount: counted at send(), back to 0 once the bytes went to the network.
      ws.onmessage = null
      ws.send(new Uint8Array(1 << 20))
      log.push(['bufferedAmount after send()', ws.bufferedAmount])
      for (let i = 0; i < 1000 && ws.bufferedAmount > 0; i++) {
        await new Promise((resolve) => setTimeout(resolve, 5))
      }
      log.push(['bufferedAmount later', ws.bufferedAmount])
      ws.send('close:4000:bye')
      await ended(ws)
      ws.send('abc')
      log.push(['after close', ws.readyState, ws.bufferedAmount])

      // The page closes, with a code and a reason.
      const mine = new Ctor(`${base}/echo`)
      record(mine)
      await new Promise((resolve) => mine.addEventListener('open', resolve))
      mine.close(4001, 'why')
      log.push(['closing', mine.readyState])
      attempt('close again', () => mine.close())
      await ended(mine)

      // The server drops the TCP connection: error, then 1006.
      const killed = new Ctor(`${base}/echo`)
      record(killed)
      await new Promise((resolve) => killed.addEventListener('open', resolve))
      killed.send('kill')
      await ended(killed)

      // Closed before it opened, and a port nobody listens on.
      const early = new Ctor(`${base}/echo`)
      record(early)
      early.close()
      log.push(['closing early', early.readyState])
      await ended(early)
      const refused = new Ctor('ws://127.0.0.1:1/')
      record(refused)
      await ended(refused)
      return log
    },
    [kind, base] as const,
  )
}

it('StreamSocket behaves as the browser’s WebSocket: checks before open, text and binary, close codes, 1006 on a failure', async () => {
  // What the server saw of the closes (the socket closed before it opened may
  // or may not have reached the server, on either path).
  const seen = ['4000 bye', '4001 why', '1006 ']
  echoCloses.length = 0
  const native = await transcript('WebSocket', url)
  await expect.poll(() => echoCloses).toEqual(expect.arrayContaining(seen))
  echoCloses.length = 0
  const stream = await transcript('StreamSocket', url)
  expect(stream).toEqual(native)
  await expect.poll(() => echoCloses).toEqual(expect.arrayContaining(seen))
  // What the transcript holds (so that equality is not two empty lists).
  expect(native).toContainEqual(['send while connecting', 'InvalidStateError'])
  expect(native).toContainEqual(['close', 4000, 'bye', true, 3])
  expect(native).toContainEqual(['close', 1006, '', false, 3])
  expect(native).toContainEqual(['blob', 'a blob'])
  expect(native).toContainEqual(['bufferedAmount after send()', 1 << 20])
  expect(native).toContainEqual(['bufferedAmount later', 0])
})

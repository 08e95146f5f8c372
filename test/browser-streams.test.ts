/**
 * heartline/streams in Chromium over the browser's own WebSocket, which cannot
 * pause reading: the readable's bounded buffer fails with a RangeError when it
 * overflows (reported, never silent), and the writable delivers every byte in
 * order with its backpressure following bufferedAmount.
 */
import { once } from 'node:events'
import type { Browser, Page } from 'playwright-core'
import { afterAll, beforeAll, expect, it } from 'vitest'
import { WebSocketServer } from 'ws'
import { launchChromium } from './helpers/chromium.js'
import { type LibraryPage, serveLibraryPage } from './helpers/library-page.js'

let site: LibraryPage
let browser: Browser
let page: Page
let wss: WebSocketServer
let url: string
const received: number[] = []

beforeAll(async () => {
  site = await serveLibraryPage(
    'streams',
    new URL('./fixtures/streams-page.ts', import.meta.url).pathname,
  )
  browser = await launchChromium()
  page = await browser.newPage()
  await page.goto(site.url)
  await page.waitForFunction('window.ready === true')
  wss = new WebSocketServer({ host: '127.0.0.1', port: 0 })
  await once(wss, 'listening')
  url = `ws://127.0.0.1:${(wss.address() as { port: number }).port}`
  wss.on('connection', (ws, request) => {
    if (request.url === '/flood') {
      for (let i = 0; i < 64; i++) ws.send(Buffer.alloc(64 * 1024, i))
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

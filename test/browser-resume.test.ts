/**
 * The resume black-hole case in real Chromium, with the browser's own
 * WebSocket: 10,000 messages each way through the TCP fault proxy to a session
 * server in a child process, the link black-holed in mid-stream. Every message
 * must arrive exactly once and in order, after a `resumed`.
 */
import http from 'node:http'
import type { AddressInfo } from 'node:net'
import { build } from 'esbuild'
import type { Browser } from 'playwright-core'
import { afterAll, beforeAll, expect, it } from 'vitest'
import { FaultProxy } from './harness/proxy.js'
import { SessionProcess } from './harness/session-process.js'
import { launchChromium } from './helpers/chromium.js'
import { duplicates, isRun } from './helpers/resume-client.js'

const COUNT = 10_000
let browser: Browser
let site: http.Server
let siteUrl = ''

beforeAll(async () => {
  const bundle = await build({
    stdin: {
      contents:
        "export * from './src/index.ts'; export { resume, sessionOf } from './src/resume/index.ts'",
      resolveDir: new URL('..', import.meta.url).pathname,
      loader: 'ts',
    },
    bundle: true,
    format: 'iife',
    globalName: 'heartline',
    platform: 'browser',
    target: 'es2022',
    write: false,
  })
  const library = bundle.outputFiles[0]?.text ?? ''
  site = http.createServer((req, res) => {
    if (req.url === '/heartline.js') {
      res.writeHead(200, { 'content-type': 'text/javascript' }).end(library)
      return
    }
    res
      .writeHead(200, { 'content-type': 'text/html' })
      .end('<!doctype html><script src="/heartline.js"></script>')
  })
  await new Promise<void>((resolve) => site.listen(0, '127.0.0.1', resolve))
  siteUrl = `http://127.0.0.1:${(site.address() as AddressInfo).port}/`
  browser = await launchChromium()
})

afterAll(async () => {
  await browser?.close()
  await new Promise((resolve) => site?.close(resolve))
})

type Library = typeof import('../src/index.js') & typeof import('../src/resume/index.js')

interface PageResult {
  received: number[]
  sent: number
  resumed: number
  resets: number
  drops: number
  atFault: { sent: number; received: number }
  buffered: number
}

it('black-hole in mid-stream (Chromium WebSocket): resumed, every message exactly once in order', async () => {
  const server = await new SessionProcess({
    store: 'memory',
    ttl: 30_000,
    count: COUNT,
    chunk: 50,
  }).start()
  const proxy = await FaultProxy.start(server.port)
  const page = await browser.newPage()
  const errors: Error[] = []
  page.on('pageerror', (error) => errors.push(error))
  try {
    await page.exposeFunction('blackHole', () => proxy.setMode('black-hole', 'existing'))
    await page.goto(siteUrl)
    // The page streams c1…c10000, black-holes the link (through the test) at c6000 (once
    // a server message has arrived) or at half the server's stream, waits for the session
    // to resume, then goes on.
    const result = (await page.evaluate(
      ({ url, count }) =>
        new Promise((resolve) => {
          const hl = (window as unknown as { heartline: Library }).heartline
          const w = window as unknown as { blackHole(): Promise<void> }
          const received: number[] = []
          let sent = 0
          let resumed = 0
          let resets = 0
          let drops = 0
          let faulted = false
          let released = false
          let atFault = { sent: 0, received: 0 }
          let started = false
          /** The pump stopped at c6000 until the first server message (a slow server under load). */
          let parked = false
          const conn = hl.createConnection(url, {
            heartbeat: { interval: 100, timeout: 250 },
            reconnect: { initialDelay: 20, maxDelay: 100 },
            connectTimeout: 2000,
            closeTimeout: 150,
            resume: hl.resume({
              trace: (r: { type: string }) => {
                if (r.type === 'welcome' && !started) {
                  started = true
                  setTimeout(pump, 0)
                }
              },
            }),
          })
          const finish = () => {
            const session = hl.sessionOf(conn) ?? { buffered: -1 }
            if (received.length === count && sent === count && session.buffered === 0) {
              resolve({
                received,
                sent,
                resumed,
                resets,
                drops,
                atFault,
                buffered: session.buffered,
              })
              conn.close()
            }
          }
          const fault = () => {
            if (faulted) return
            faulted = true
            atFault = { sent, received: received.length }
            void w.blackHole()
          }
          conn.addEventListener('message', (e: MessageEvent) => {
            received.push(Number(String(e.data).slice(1)))
            if (parked) {
              parked = false
              fault()
            }
            if (received.length === count / 2) fault()
            finish()
          })
          conn.addEventListener('resumed', () => {
            resumed++
            if (faulted && !released) {
              released = true
              setTimeout(pump, 0)
            }
          })
          conn.addEventListener('reset', () => resets++)
          conn.addEventListener('drop', () => drops++)
          conn.addEventListener('statechange', finish)
          const pump = () => {
            for (let i = 0; i < 100 && sent < count; i++) {
              if (faulted && !released) return
              conn.send(`c${++sent}`)
              if (sent === 6000 && !faulted) {
                // The fault must come with traffic in flight both ways.
                if (received.length > 0) fault()
                else {
                  parked = true
                  return
                }
              }
            }
            if (sent < count) setTimeout(pump, 0)
          }
        }),
      { url: proxy.url, count: COUNT },
    )) as PageResult

    expect(errors).toEqual([])
    expect(result.atFault.sent).toBeGreaterThan(0)
    expect(result.atFault.sent).toBeLessThan(COUNT)
    expect(result.atFault.received).toBeGreaterThan(0)
    expect(result.atFault.received).toBeLessThan(COUNT)
    expect(result.resumed).toBeGreaterThanOrEqual(1)
    expect(result.resets).toBe(0)
    expect(result.drops).toBe(0)
    expect(isRun(result.received, 1) && result.received.length === COUNT).toBe(true)
    await server.waitFor(
      () => server.received().at(-1) === COUNT,
      'every client message at the server',
    )
    const atServer = server.received()
    expect(isRun(atServer, 1) && atServer.length === COUNT).toBe(true)
    console.log(
      `[resume matrix] black-hole (Chromium, memory): ${JSON.stringify({
        sent: [COUNT, COUNT],
        delivered: [atServer.length, result.received.length],
        duplicates: [duplicates(atServer), duplicates(result.received)],
        atFault: result.atFault,
        resumed: result.resumed,
        lost: null,
        drops: result.drops,
      })}`,
    )
  } finally {
    await page.close()
    await proxy.close()
    await server.kill()
  }
})

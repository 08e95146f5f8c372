/**
 * The fault matrix in real Chromium for cases 1 (server killed), 3 (server
 * frozen) and 4 (proxy black-hole in a message stream): the library is bundled
 * with esbuild, served to a page, and drives the browser's own WebSocket against
 * a real `ws` server in a child process. Each case checks the sequence of
 * states, never two live sockets, messages queued during the fault delivered
 * once and in order after recovery, no page error, and no controller timer left
 * after close().
 */
import { readFile } from 'node:fs/promises'
import http from 'node:http'
import type { AddressInfo } from 'node:net'
import { build } from 'esbuild'
import type { Browser, Page } from 'playwright-core'
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest'
import { DETECTED, DROPPED, END, OUTAGE, path } from './harness/paths.js'
import { FaultProxy } from './harness/proxy.js'
import { ServerProcess } from './harness/server-process.js'
import { waitFor } from './harness/wait.js'
import { launchChromium } from './helpers/chromium.js'

interface PageRecord {
  type: string
  to?: string
  from?: string
  event?: string
  index?: number
  data?: string
  queued?: boolean
  accepted?: boolean
  cause?: string
  code?: number
  willReconnect?: boolean
  wasClean?: boolean
  count?: number
}

let browser: Browser
let site: http.Server
let siteUrl = ''

beforeAll(async () => {
  const bundle = await build({
    entryPoints: [new URL('../src/index.ts', import.meta.url).pathname],
    bundle: true,
    format: 'iife',
    globalName: 'heartline',
    platform: 'browser',
    target: 'es2022',
    write: false,
  })
  const library = bundle.outputFiles[0]?.text ?? ''
  const pageScript = await readFile(new URL('./harness/browser-page.js', import.meta.url), 'utf8')
  const files: Record<string, [string, string]> = {
    '/': [
      'text/html',
      '<!doctype html><script src="/heartline.js"></script><script src="/page.js"></script>',
    ],
    '/heartline.js': ['text/javascript', library],
    '/page.js': ['text/javascript', pageScript],
  }
  site = http.createServer((req, res) => {
    const file = files[req.url ?? '']
    if (!file) return void res.writeHead(404).end()
    res.writeHead(200, { 'content-type': file[0] }).end(file[1])
  })
  await new Promise<void>((resolve) => site.listen(0, '127.0.0.1', resolve))
  siteUrl = `http://127.0.0.1:${(site.address() as AddressInfo).port}/`
  browser = await launchChromium()
})

afterAll(async () => {
  await browser?.close()
  await new Promise((resolve) => site?.close(resolve))
})

const cleanups: Array<() => unknown> = []
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup()
})

/** One page, with every record it reports kept in order. */
class TestPage {
  readonly records: PageRecord[] = []
  readonly pageErrors: Error[] = []
  /** The page's console (Chromium logs why each WebSocket failed there). */
  readonly console: string[] = []
  readonly #listeners = new Set<() => void>()
  constructor(readonly page: Page) {}

  static async open(): Promise<TestPage> {
    const page = await browser.newPage()
    cleanups.push(() => page.close())
    const tp = new TestPage(page)
    page.on('pageerror', (error) => tp.pageErrors.push(error))
    page.on('console', (message) => tp.console.push(message.text()))
    await page.exposeFunction('report', (record: PageRecord) => {
      tp.records.push(record)
      for (const listener of tp.#listeners) listener()
    })
    await page.goto(siteUrl)
    await tp.waitFor(() => tp.records.some((r) => r.type === 'ready'), 'page ready')
    return tp
  }

  get states(): string[] {
    return this.records.filter((r) => r.type === 'state').map((r) => r.to as string)
  }
  get path(): string {
    return this.states.join(' ')
  }
  of(type: string): PageRecord[] {
    return this.records.filter((r) => r.type === type)
  }
  /** The latest count of a counter the page reports every tenth increment. */
  count(type: 'messages' | 'pumped'): number {
    return this.of(type).at(-1)?.count ?? 0
  }

  waitFor<T>(check: () => T | undefined | false, what: string, timeout = 10_000): Promise<T> {
    const context = () =>
      `${what} (states so far: ${this.path}; console: ${this.console.slice(-3).join(' | ')})`
    return waitFor(check, context, timeout, (wake) => {
      this.#listeners.add(wake)
      return () => this.#listeners.delete(wake)
    })
  }

  /** The next entry into `state`, counting from now. */
  next(state: string): Promise<true> {
    const from = this.states.length
    return this.waitFor(() => this.states.indexOf(state, from) >= 0, `state ${state}`)
  }

  /** close(), then: closed, no controller timer, no two live sockets, no page error. */
  async closeAndCheck(release: () => Promise<unknown> = async () => undefined): Promise<void> {
    await this.page.evaluate(() =>
      (window as unknown as { closeConnection(): void }).closeConnection(),
    )
    await this.waitFor(() => this.states.at(-1) === 'closed', 'closed')
    const summary = await this.page.evaluate(() =>
      (
        window as unknown as {
          summary(): { state: string; pendingTimers: number; violations: string[] }
        }
      ).summary(),
    )
    expect(summary.state).toBe('closed')
    expect(summary.pendingTimers).toBe(0)
    expect(summary.violations).toEqual([])
    // A browser cannot terminate a socket it abandoned on a dead path: it is
    // released when the path dies for good (here: the proxy or server goes).
    await release()
    const created = this.of('socket').filter((r) => r.event === 'created').length
    await this.waitFor(
      () => this.of('socket').filter((r) => r.event === 'closed').length === created,
      'every socket closed',
    )
    expect(this.pageErrors).toEqual([])
  }
}

type PageWindow = {
  start(url: string, options: object): void
  queueOnFault(prefix: string, n: number): void
  send(data: string): boolean
}

/** Starts the page's connection to `url` and queues `n` messages when it first goes down. */
async function startConnection(
  tp: TestPage,
  url: string,
  options: object,
  prefix: string,
  n: number,
) {
  await tp.page.evaluate(
    ([u, o, p, count]) => {
      const w = window as unknown as PageWindow
      w.start(u as string, o as object)
      w.queueOnFault(p as string, count as number)
    },
    [url, options, prefix, n] as const,
  )
}

async function serverProcess(): Promise<ServerProcess> {
  const server = new ServerProcess()
  cleanups.push(() => server.kill())
  return server.start()
}

describe('fault matrix in Chromium (browser WebSocket)', () => {
  it('1. server killed: reconnects once it is back, queued messages delivered once', async () => {
    const [server, tp] = await Promise.all([serverProcess(), TestPage.open()])
    await tp.page.evaluate(
      ([url]) => {
        const w = window as unknown as {
          start(u: string, o: object): void
          queueOnFault(p: string, n: number): void
        }
        // Chromium throttles a renderer's WebSocket connections after failures
        // (services/network/websocket_throttler.cc: up to 1–5 s once failures
        // outnumber successes 16 to 1); an attempt abandoned by connectTimeout
        // counts as one more failure. Hence a gentler backoff and a connect
        // timeout above that delay than in the Node matrix.
        w.start(url as string, {
          heartbeat: { interval: 1000, timeout: 1000 },
          reconnect: { initialDelay: 50, maxDelay: 400 },
          connectTimeout: 3000,
          closeTimeout: 150,
        })
        w.queueOnFault('q', 5)
      },
      [server.url],
    )
    await tp.next('open')
    const port = server.port
    await server.kill()
    await tp.waitFor(
      () =>
        tp.states.filter((s) => s === 'connecting').length >= 2 &&
        tp.states.at(-1) !== 'connecting',
      'a refused attempt',
    )
    await server.start(port)
    await tp.next('open')
    const queued = tp.of('sent')
    expect(queued.map((r) => [r.accepted, r.queued])).toEqual(Array(5).fill([true, true]))
    await server.waitFor(() => server.messages.length === 5, 'queued messages delivered')
    expect(server.messages).toEqual(['q1', 'q2', 'q3', 'q4', 'q5'])
    expect(tp.of('close')[0], `${tp.path} ${JSON.stringify(tp.of('close'))}`).toMatchObject({
      code: 1006,
      willReconnect: true,
    })
    expect(tp.of('drop')).toEqual([])

    await tp.closeAndCheck()
    expect(tp.path, tp.path).toMatch(path('connecting ', DROPPED, OUTAGE, 'connecting ', END))
  })

  it('3. server frozen (SIGSTOP): the heartbeat detects it, recovery after SIGCONT', async () => {
    const [server, tp] = await Promise.all([serverProcess(), TestPage.open()])
    await tp.page.evaluate(
      ([url]) => {
        const w = window as unknown as {
          start(u: string, o: object): void
          queueOnFault(p: string, n: number): void
        }
        w.start(url as string, {
          heartbeat: { interval: 150, timeout: 300 },
          reconnect: { initialDelay: 50, maxDelay: 400 },
          connectTimeout: 1000,
          closeTimeout: 150,
        })
        w.queueOnFault('f', 5)
      },
      [server.url],
    )
    await tp.next('open')
    server.freeze()
    await tp.waitFor(
      () => tp.of('state').some((r) => r.event === 'timer.connect'),
      'an attempt timed out against the frozen server',
    )
    server.thaw()
    await tp.next('open')
    await server.waitFor(() => server.messages.length >= 5, 'queued messages delivered')
    expect(server.messages).toEqual(['f1', 'f2', 'f3', 'f4', 'f5'])
    expect(tp.of('sent').every((r) => r.queued)).toBe(true)
    expect(tp.of('close')[0], `${tp.path} ${JSON.stringify(tp.of('close'))}`).toMatchObject({
      cause: 'heartbeat-timeout',
      willReconnect: true,
    })

    await tp.closeAndCheck(() => server.kill())
    expect(tp.path, tp.path).toMatch(path('connecting ', DETECTED, OUTAGE, 'connecting ', END))
  })

  it('4. proxy black-hole in the middle of a message stream: nothing duplicated, nothing queued lost', async () => {
    const server = await serverProcess()
    await server.command({ cmd: 'stream', every: 10 })
    const proxy = await FaultProxy.start(server.port)
    cleanups.push(() => proxy.close())
    const tp = await TestPage.open()
    await tp.page.evaluate(
      ([url]) => {
        ;(window as unknown as { start(u: string, o: object): void }).start(url as string, {
          heartbeat: { interval: 150, timeout: 300 },
          reconnect: { initialDelay: 50, maxDelay: 400 },
          connectTimeout: 1000,
          closeTimeout: 150,
        })
      },
      [proxy.url],
    )
    await tp.next('open')
    await tp.waitFor(() => tp.count('messages') >= 10, 'the server stream flowing')
    await tp.page.evaluate(() =>
      (window as unknown as { startPump(ms: number): void }).startPump(5),
    )
    await server.waitFor(() => server.messages.length >= 5, 'client stream flowing')

    proxy.setMode('black-hole')
    await tp.waitFor(
      () => tp.of('state').some((r) => r.event === 'timer.connect'),
      'an attempt through the black hole timed out',
    )
    proxy.setMode('pass', 'new')
    await tp.next('open')
    const ticks = tp.count('messages')
    await tp.waitFor(() => tp.count('messages') >= ticks + 10, 'the stream flowing again')
    const sent = await tp.page.evaluate(() =>
      (window as unknown as { stopPump(): PageRecord[] }).stopPump(),
    )
    const lastSent = sent.at(-1)?.data as string
    await server.waitFor(() => server.messages.includes(lastSent), 'stream after recovery')

    expect(sent.every((r) => r.accepted)).toBe(true)
    const queued = sent.filter((r) => r.queued).map((r) => r.data as string)
    const written = sent.filter((r) => !r.queued).map((r) => r.data as string)
    const received = server.messages
    const index = (m: string) => Number(m.slice(1))
    for (let i = 1; i < received.length; i++) {
      expect(index(received[i] as string)).toBeGreaterThan(index(received[i - 1] as string))
    }
    expect(queued.length).toBeGreaterThan(0)
    expect(queued.filter((m) => !received.includes(m))).toEqual([])
    const firstQueued = index(queued[0] as string)
    const lost = written.filter((m) => !received.includes(m))
    expect(lost.every((m) => index(m) < firstQueued)).toBe(true)
    expect(tp.of('close')[0], `${tp.path} ${JSON.stringify(tp.of('close'))}`).toMatchObject({
      cause: 'heartbeat-timeout',
    })

    await tp.closeAndCheck(() => proxy.close())
    expect(tp.path, tp.path).toMatch(path('connecting ', DETECTED, OUTAGE, 'connecting ', END))
  })

  it('2. graceful server close with 1001 and 1012: reconnects, queued messages delivered once', async () => {
    const [server, tp] = await Promise.all([serverProcess(), TestPage.open()])
    await startConnection(
      tp,
      server.url,
      { reconnect: { initialDelay: 50, maxDelay: 400 }, connectTimeout: 3000, closeTimeout: 150 },
      'c',
      3,
    )
    await tp.next('open')
    const reopened = tp.next('open')
    await server.command({ cmd: 'close', code: 1001, reason: 'going away' })
    await reopened
    // The queued messages went out on this socket before its open event. A browser
    // hands send() to its network process, so a close the server sends at once
    // can still overtake them there (no WebSocket acknowledges data; resume does):
    // let them arrive first, then check that the next reconnect sends none again.
    await server.waitFor(() => server.messages.length === 3, 'queued messages delivered')
    const again = tp.next('open')
    await server.command({ cmd: 'close', code: 1012, reason: 'restart' })
    await again
    await server.waitFor(() => server.messages.length === 3, 'queued messages delivered once')
    expect(server.messages).toEqual(['c1', 'c2', 'c3'])
    expect(tp.of('close').map((c) => [c.code, c.wasClean, c.willReconnect])).toEqual([
      [1001, true, true],
      [1012, true, true],
    ])
    await tp.closeAndCheck()
    expect(tp.path, tp.path).toMatch(
      path('connecting ', DROPPED, 'connecting ', DROPPED, 'connecting ', END),
    )
  })

  it("11. the abandoned socket's late close (Chromium would wait 60 s for it) changes nothing", async () => {
    const server = await serverProcess()
    const proxy = await FaultProxy.start(server.port)
    cleanups.push(() => proxy.close())
    const tp = await TestPage.open()
    await startConnection(
      tp,
      proxy.url,
      {
        heartbeat: { interval: 150, timeout: 300 },
        reconnect: { initialDelay: 50, maxDelay: 400 },
        connectTimeout: 3000,
        closeTimeout: 100,
      },
      'a',
      3,
    )
    await tp.next('open')
    // Only the current link goes dark; new connections pass.
    proxy.setMode('black-hole', 'existing')
    await tp.next('open')
    await server.waitFor(() => server.messages.length === 3, 'queued messages delivered')
    expect(server.messages).toEqual(['a1', 'a2', 'a3'])
    const closedSockets = () => tp.of('socket').filter((r) => r.event === 'closed')
    expect(closedSockets().map((r) => r.index)).not.toContain(0)

    const before = { path: tp.path, closes: tp.of('close').length, errors: tp.of('error').length }
    // Release the abandoned socket: its close event (1006) arrives now, late.
    proxy.links[0]?.destroy(true)
    await tp.waitFor(() => closedSockets().some((r) => r.index === 0), 'the late close event')
    const sent = await tp.page.evaluate(() => (window as unknown as PageWindow).send('after'))
    expect(sent).toBe(true)
    await server.waitFor(() => server.messages.includes('after'), 'a message on the new socket')
    // Only heartbeat cycles on the new socket may follow; no close, no error, no new attempt.
    expect(tp.path.startsWith(before.path)).toBe(true)
    const since = tp.path.slice(before.path.length).split(' ').filter(Boolean)
    expect(
      since.filter((s) => s !== 'open' && s !== 'awaitingPong'),
      tp.path,
    ).toEqual([])
    expect({ closes: tp.of('close').length, errors: tp.of('error').length }).toEqual({
      closes: before.closes,
      errors: before.errors,
    })
    expect(tp.states.at(-1)).toMatch(/^(open|awaitingPong)$/)

    await tp.closeAndCheck(() => proxy.close())
    expect(tp.path, tp.path).toMatch(path('connecting ', DETECTED, 'connecting ', END))
  })
})

/**
 * B1B: inbound throughput in Chromium, client-bound. heartline's connection
 * against the browser's own WebSocket (the baseline), both receiving on
 * `onmessage`, in one headless Chromium page. The server (bench/server.ts
 * `/bulk`, another process) writes the 101 response and N pre-framed 32-byte text
 * frames as one Buffer in a single write, so the browser's parsing and dispatch
 * and the client's own work per message are all that is timed: from `open` to the
 * N-th message, by `performance.now()` in the page.
 *
 * The page loads heartline as an app ships it: the main entry and xstate in one
 * production bundle (bench/size.ts `appBuild`), with heartline's default options.
 * Each trial opens a fresh connection; the two alternate within each round (A B,
 * then B A, …) and the ratio heartline / native is taken per round.
 *
 * Alone: `node --import tsx bench/chromium-inbound.ts [--n=50000] [--rounds=9]`.
 */
import { createServer } from 'node:http'
import type { AddressInfo } from 'node:net'
import { fileURLToPath } from 'node:url'
import { launchOwnChromium } from './chromium.js'
import { machine, order, quantile, type Stats, startServer, stats } from './lib.js'
import { appBuild } from './size.js'

/** The target: heartline at least this share of the native WebSocket's rate. */
export const CHROMIUM_TARGET = 0.97

const KINDS = ['native onmessage', 'heartline onmessage'] as const
type Kind = (typeof KINDS)[number]

export interface ChromiumInboundResult {
  browser: string
  messages: number
  rounds: number
  target: number
  /** Messages per second of wall time in the page, per client. */
  rate: Record<Kind, Stats>
  /** Per round, heartline / native. */
  ratio: Stats
  /** Interquartile range of the ratio. */
  iqr: [number, number]
}

declare global {
  interface Window {
    heartline: typeof import('../src/index.js')
    ready: boolean
    inbound(kind: Kind, url: string, n: number): Promise<number>
  }
}

/**
 * The page's side: one trial, one fresh connection; resolves with messages per
 * second from `open` to the N-th message. Runs in the browser (serialised by
 * playwright), so it uses nothing from this module's scope.
 */
function pageScript(): void {
  window.inbound = (kind, url, n) =>
    new Promise((resolve, reject) => {
      let started = 0
      let received = 0
      const safety = setTimeout(() => reject(new Error(`${kind} timed out`)), 60_000)
      const client: { onopen: unknown; onmessage: unknown; close(): void } =
        kind === 'native onmessage' ? new WebSocket(url) : window.heartline.createConnection(url)
      client.onopen = () => {
        started = performance.now()
      }
      client.onmessage = () => {
        if (++received !== n) return
        const elapsed = performance.now() - started
        clearTimeout(safety)
        client.close()
        resolve((n / elapsed) * 1000)
      }
    })
}

/** A page on 127.0.0.1 (port 0) that loads `bundle` as `window.heartline`, then the trial function. */
async function servePage(bundle: Uint8Array) {
  const html = `<!doctype html><title>B1B</title><script type="module">import * as heartline from '/heartline.js'; window.heartline = heartline; (${pageScript.toString()})(); window.ready = true</script>`
  const http = createServer((req, res) => {
    if (req.url === '/heartline.js') {
      res.writeHead(200, { 'content-type': 'text/javascript' })
      res.end(bundle)
      return
    }
    res.writeHead(200, { 'content-type': 'text/html' })
    res.end(html)
  })
  await new Promise<void>((resolve) => http.listen(0, '127.0.0.1', resolve))
  return {
    url: `http://127.0.0.1:${(http.address() as AddressInfo).port}/`,
    close: () => new Promise<void>((resolve) => http.close(() => resolve())),
  }
}

export async function chromiumInbound({
  n,
  rounds,
}: {
  n: number
  rounds: number
}): Promise<ChromiumInboundResult> {
  const bundle = await appBuild({ mode: 'production', external: [] })
  const page = await servePage(bundle)
  const server = await startServer('raw')
  const browser = await launchOwnChromium()
  try {
    const tab = await browser.newPage()
    await tab.goto(page.url)
    await tab.waitForFunction(() => window.ready === true)
    const url = `ws://127.0.0.1:${server.port}/bulk?n=${n}`
    const trial = (kind: Kind) =>
      tab.evaluate(([k, u, count]) => window.inbound(k, u, count), [kind, url, n] as const)
    // Warm-up: both paths through the JIT, and the server's buffer for n built.
    for (let i = 0; i < 2; i++) for (const kind of KINDS) await trial(kind)
    const runs: Record<Kind, number[]> = { 'native onmessage': [], 'heartline onmessage': [] }
    for (let r = 0; r < rounds; r++) {
      for (const kind of order(KINDS, r)) runs[kind].push(await trial(kind))
    }
    const per = runs['heartline onmessage'].map(
      (h, i) => h / (runs['native onmessage'][i] as number),
    )
    return {
      browser: `Chromium ${browser.version()}`,
      messages: n,
      rounds,
      target: CHROMIUM_TARGET,
      rate: {
        'native onmessage': stats(runs['native onmessage']),
        'heartline onmessage': stats(runs['heartline onmessage']),
      },
      ratio: stats(per),
      iqr: [quantile(per, 0.25), quantile(per, 0.75)],
    }
  } finally {
    await browser.close()
    await server.kill()
    await page.close()
  }
}

/** One line per client and the ratio with its spread and verdict. */
export function describeChromiumInbound(r: ChromiumInboundResult): string {
  const f = (x: number) => x.toFixed(3)
  const lines = [
    `B1B Chromium inbound, client-bound: ${r.browser}, ${r.messages} messages per trial, ${r.rounds} rounds`,
  ]
  for (const kind of KINDS) {
    const s = r.rate[kind]
    lines.push(
      `  ${kind.padEnd(20)} ${Math.round(s.median).toLocaleString('en-US').padStart(10)} msg/s (runs ${Math.round(s.min).toLocaleString('en-US')}–${Math.round(s.max).toLocaleString('en-US')})`,
    )
  }
  const x = r.ratio
  lines.push(
    `  heartline / native   ratio ${f(x.median)}  IQR ${f(r.iqr[0])}–${f(r.iqr[1])}  range ${f(x.min)}–${f(x.max)}  target ≥ ${r.target}: ${x.median >= r.target ? 'met' : 'missed'}`,
  )
  return lines.join('\n')
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  const arg = (name: string, fallback: number) => {
    const found = process.argv.find((a) => a.startsWith(`--${name}=`))
    const value = found ? Number(found.slice(name.length + 3)) : fallback
    if (!Number.isInteger(value) || value < 1) {
      throw new Error(`--${name} must be a positive integer, got ${found?.slice(name.length + 3)}`)
    }
    return value
  }
  const m = machine()
  process.stdout.write(`${m.cpu}, ${m.cores} cores, Node ${m.node}\n`)
  const result = await chromiumInbound({ n: arg('n', 50_000), rounds: arg('rounds', 9) })
  process.stdout.write(`${describeChromiumInbound(result)}\n`)
}

/**
 * B10, the slow consumer in Chromium. A `ws` server (this process) sends `mib`
 * MiB in 64 KiB binary chunks as fast as it can (one chunk handed to `ws` per
 * turn of its event loop) to a page whose consumer reads `toStreams(conn).readable`
 * at `rate` MiB/s. Two paths, one after the other in one headless Chromium:
 * `StreamSocket` (WebSocketStream: the readable pauses the network) and the
 * browser's own WebSocket (nothing pauses: the page takes everything and holds
 * it; its `maxBytes` is raised above the total so that it completes).
 *
 * Reported per path: the page's heap growth (CDP `Runtime.getHeapUsage`, V8
 * heap plus ArrayBuffer backing stores, peak minus the start after a GC),
 * sampled about every 250 ms as it is (garbage included) and right after a
 * forced full collection (what the page holds), the server socket's peak buffered bytes (`ws`'s
 * `bufferedAmount`: what the kernel would not take yet; the sender outruns
 * loopback, so this peaks on either path) and when it fell to zero for good,
 * bytes received in order, and the consumer's wall time.
 *
 * Alone: `node --import tsx bench/flow-chromium.ts [mib] [rate]`.
 */
import { once } from 'node:events'
import { createServer } from 'node:http'
import type { AddressInfo } from 'node:net'
import { fileURLToPath } from 'node:url'
import { build } from 'esbuild'
import { WebSocketServer } from 'ws'
import { launchOwnChromium } from './chromium.js'

const CHUNK = 64 * 1024
const MiB = 1024 * 1024
const PATHS = ['StreamSocket', 'WebSocket'] as const
type Path = (typeof PATHS)[number]

export interface SlowConsumerRow {
  /** Page heap (V8 plus backing stores) at its peak minus at the start, MiB (garbage included). */
  heapGrowthMiB: number
  /** The same right after a full collection (what the page holds), at its peak, MiB. */
  liveHeapGrowthMiB: number
  /** The server socket's peak `bufferedAmount`, MiB. */
  serverPeakBufferedMiB: number
  /**
   * Seconds from the connection until the server's kernel took the last byte:
   * about the consumer's own time when the page holds the network back, far
   * less when the page takes everything.
   */
  serverDrainedSeconds: number
  received: number
  inOrder: boolean
  seconds: number
}
export interface SlowConsumerResult {
  browser: string
  mib: number
  rate: number
  paths: Record<Path, SlowConsumerRow>
}

/** The page's side: one run; resolves when `total` bytes were read at `rate` MiB/s. */
function pageScript(): void {
  const w = window as never as {
    heartline: typeof import('../test/fixtures/streams-page.js')
    slow(path: string, url: string, rate: number, total: number): Promise<unknown>
  }
  w.slow = async (path, url, rate, total) => {
    const { createConnection, toStreams, StreamSocket } = w.heartline
    const conn = createConnection(url, {
      WebSocket: path === 'StreamSocket' ? StreamSocket : WebSocket,
      binaryType: 'arraybuffer',
      heartbeat: false,
      reconnect: false,
    })
    const { readable } = toStreams(conn, {
      highWaterMark: 1 << 20,
      maxBytes: path === 'StreamSocket' ? 16 << 20 : total + (1 << 20),
    })
    const reader = readable.getReader()
    let bytes = 0
    let seq = 0
    let inOrder = true
    const t0 = performance.now()
    while (bytes < total) {
      const { value, done } = await reader.read()
      if (done) break
      const data = value as ArrayBuffer
      if (new DataView(data).getUint32(0) !== seq++) inOrder = false
      bytes += data.byteLength
      const ahead = bytes / (rate * 1024 * 1024) - (performance.now() - t0) / 1000
      if (ahead > 0) await new Promise((resolve) => setTimeout(resolve, ahead * 1000))
    }
    conn.close()
    return { received: bytes, inOrder, seconds: (performance.now() - t0) / 1000 }
  }
}

async function servePage() {
  const bundle = await build({
    entryPoints: [fileURLToPath(new URL('../test/fixtures/streams-page.ts', import.meta.url))],
    bundle: true,
    format: 'esm',
    platform: 'browser',
    minify: true,
    write: false,
  })
  const js = bundle.outputFiles[0]?.text ?? ''
  const html = `<!doctype html><title>B10</title><script type="module">import * as heartline from '/heartline.js'; window.heartline = heartline; (${pageScript.toString()})(); window.ready = true</script>`
  const http = createServer((req, res) => {
    res.writeHead(200, {
      'content-type': req.url === '/heartline.js' ? 'text/javascript' : 'text/html',
    })
    res.end(req.url === '/heartline.js' ? js : html)
  })
  await new Promise<void>((resolve) => http.listen(0, '127.0.0.1', resolve))
  return {
    url: `http://127.0.0.1:${(http.address() as AddressInfo).port}/`,
    close: () => new Promise<void>((resolve) => http.close(() => resolve())),
  }
}

/** A server that sends `total` bytes as fast as its socket takes them, tracking its peak buffer. */
export async function fastServer(total: number) {
  const wss = new WebSocketServer({ host: '127.0.0.1', port: 0 })
  await once(wss, 'listening')
  let peak = 0
  let drained = Number.NaN
  wss.on('connection', (ws) => {
    const t0 = performance.now()
    let i = 0
    const next = () => {
      if (ws.readyState !== ws.OPEN) return
      if (i * CHUNK >= total) {
        // Everything sent: when has the kernel taken the last byte?
        if (ws.bufferedAmount === 0) drained = (performance.now() - t0) / 1000
        else setTimeout(next, 20)
        return
      }
      const chunk = Buffer.alloc(CHUNK)
      chunk.writeUInt32BE(i++, 0)
      ws.send(chunk)
      peak = Math.max(peak, ws.bufferedAmount)
      setImmediate(next)
    }
    next()
  })
  return {
    url: `ws://127.0.0.1:${(wss.address() as { port: number }).port}`,
    peak: () => peak,
    drained: () => drained,
    close: () => {
      for (const ws of wss.clients) ws.terminate()
      return new Promise((resolve) => wss.close(resolve))
    },
  }
}

export async function chromiumSlowConsumer({
  mib,
  rate,
}: {
  mib: number
  rate: number
}): Promise<SlowConsumerResult> {
  const site = await servePage()
  const browser = await launchOwnChromium()
  try {
    const paths = {} as Record<Path, SlowConsumerRow>
    for (const path of PATHS) {
      const page = await browser.newPage()
      await page.goto(site.url)
      await page.waitForFunction('window.ready === true')
      const cdp = await page.context().newCDPSession(page)
      const heap = async () => {
        const u = (await cdp.send('Runtime.getHeapUsage')) as {
          usedSize: number
          backingStorageSize?: number
        }
        return u.usedSize + (u.backingStorageSize ?? 0)
      }
      await cdp.send('HeapProfiler.collectGarbage')
      const start = await heap()
      let peak = start
      let livePeak = start
      let sampling = true
      const sampler = (async () => {
        while (sampling) {
          peak = Math.max(peak, await heap())
          // What the page still holds: the heap after a full collection.
          await cdp.send('HeapProfiler.collectGarbage')
          livePeak = Math.max(livePeak, await heap())
          await new Promise((resolve) => setTimeout(resolve, 250))
        }
      })()
      const server = await fastServer(mib * MiB)
      const out = (await page.evaluate(
        ([p, u, r, t]) =>
          (window as never as { slow(...a: unknown[]): Promise<unknown> }).slow(p, u, r, t),
        [path, server.url, rate, mib * MiB] as const,
      )) as { received: number; inOrder: boolean; seconds: number }
      sampling = false
      await sampler
      await server.close()
      await page.close()
      const round = (x: number) => Math.round(x * 10) / 10
      paths[path] = {
        heapGrowthMiB: round((peak - start) / MiB),
        liveHeapGrowthMiB: round((livePeak - start) / MiB),
        serverPeakBufferedMiB: round(server.peak() / MiB),
        serverDrainedSeconds: round(server.drained()),
        received: out.received,
        inOrder: out.inOrder,
        seconds: round(out.seconds),
      }
    }
    return { browser: `Chromium ${browser.version()}`, mib, rate, paths }
  } finally {
    await browser.close()
    await site.close()
  }
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  const [mib = '16', rate = '1'] = process.argv.slice(2)
  console.log(JSON.stringify(await chromiumSlowConsumer({ mib: +mib, rate: +rate }), null, 2))
}

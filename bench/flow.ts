/**
 * B10, send-side flow control. A producer process writes `mib` MiB in 64 KiB
 * chunks to a server that reads `rate` MiB/s (it pauses its socket when ahead
 * of the rate): through `toStreams(conn).writable`, and in a naive `ws` send
 * loop. Reported: each producer's RSS growth and the bytes the server received.
 * Then `send()` throughput on an open connection with a `bufferedamountlow`
 * listener armed vs none (ratio, same run). Then the slow consumer, in Node
 * (flow-consumer.ts: the readable over `ws` beside a plain `ws` client) and in
 * Chromium (flow-chromium.ts: `StreamSocket` beside the browser's WebSocket).
 */
import { execFile } from 'node:child_process'
import { once } from 'node:events'
import { fileURLToPath } from 'node:url'
import { promisify } from 'node:util'
import WebSocket, { WebSocketServer } from 'ws'
import { createConnection } from '../src/index.js'
import { chromiumSlowConsumer, fastServer } from './flow-chromium.js'

const run = promisify(execFile)
const PRODUCER = fileURLToPath(new URL('./flow-producer.ts', import.meta.url))
const CONSUMER = fileURLToPath(new URL('./flow-consumer.ts', import.meta.url))
const MiB = 1024 * 1024

/** The slow consumer in Node: each client in its own process, one after the other. */
export async function nodeSlowConsumer({ mib, rate }: { mib: number; rate: number }) {
  const round = (x: number) => Math.round(x * 10) / 10
  const rows: Record<string, Record<string, number | boolean>> = {}
  const client = async (mode: string, held: boolean) => {
    const server = await fastServer(mib * MiB)
    const args = [CONSUMER, mode, server.url, String(mib), String(rate)]
    const { stdout } = await run(
      process.execPath,
      held ? ['--expose-gc', '--import', 'tsx', ...args, 'held'] : ['--import', 'tsx', ...args],
      { maxBuffer: 1 << 20 },
    )
    await server.close()
    const out = JSON.parse(stdout) as {
      start: number
      peak: number
      live: number
      received: number
      inOrder: boolean
      seconds: number
    }
    return { out, peak: server.peak(), drained: server.drained() }
  }
  for (const mode of ['streams', 'plain'] as const) {
    // One run for the RSS as an application sees it, one for what the process holds.
    const { out, peak, drained } = await client(mode, false)
    const held = await client(mode, true)
    rows[mode] = {
      rssGrowthMiB: round((out.peak - out.start) / MiB),
      liveGrowthMiB: round(held.out.live / MiB),
      serverPeakBufferedMiB: round(peak / MiB),
      serverDrainedSeconds: round(drained),
      received: out.received,
      inOrder: out.inOrder && held.out.inOrder && held.out.received === out.received,
      seconds: round(out.seconds),
    }
  }
  return { mib, rate, paths: rows }
}

async function throttledServer(rate: number) {
  const wss = new WebSocketServer({ host: '127.0.0.1', port: 0, maxPayload: 1 << 20 })
  await once(wss, 'listening')
  let received = 0
  wss.on('connection', (ws) => {
    const t0 = Date.now()
    ws.on('message', (data: Buffer) => {
      received += data.length
      const ahead = received / (rate * 1024 * 1024) - (Date.now() - t0) / 1000
      if (ahead > 0) {
        ws.pause()
        setTimeout(() => ws.resume(), ahead * 1000)
      }
    })
  })
  const url = `ws://127.0.0.1:${(wss.address() as { port: number }).port}`
  return { url, received: () => received, close: () => new Promise((r) => wss.close(r)) }
}

async function producer(mode: 'streams' | 'naive' | 'ws-wait', mib: number, rate: number) {
  const server = await throttledServer(rate)
  const { stdout } = await run(
    process.execPath,
    ['--import', 'tsx', PRODUCER, mode, server.url, String(mib)],
    {
      maxBuffer: 1 << 20,
    },
  )
  const out = JSON.parse(stdout) as { start: number; peak: number; bytes: number }
  // The naive loop's producer may exit before the server read everything.
  while (server.received() < out.bytes) await new Promise((r) => setTimeout(r, 50))
  await server.close()
  return {
    rssGrowthMiB: Math.round(((out.peak - out.start) / 1048576) * 10) / 10,
    written: out.bytes,
    received: server.received(),
  }
}

async function sendRate(armed: boolean, n: number): Promise<number> {
  const wss = new WebSocketServer({ host: '127.0.0.1', port: 0 })
  await once(wss, 'listening')
  const url = `ws://127.0.0.1:${(wss.address() as { port: number }).port}`
  const conn = createConnection(url, { WebSocket: WebSocket as never, heartbeat: false })
  await new Promise((resolve) => conn.addEventListener('open', resolve, { once: true }))
  if (armed) conn.onbufferedamountlow = () => undefined
  const t0 = performance.now()
  for (let i = 0; i < n; i++) conn.send('x'.repeat(32))
  const ms = performance.now() - t0
  conn.close()
  await new Promise((r) => wss.close(r))
  return n / ms
}

export async function flowBench(plan: {
  mib: number
  rate: number
  sends: number
  rounds: number
  /** The slow consumer (Node, then Chromium): MiB sent, MiB/s read. */
  chromium?: { mib: number; rate: number }
}) {
  const streams = await producer('streams', plan.mib, plan.rate)
  const wsWait = await producer('ws-wait', plan.mib, plan.rate)
  const naive = await producer('naive', plan.mib, plan.rate)
  const ratios: number[] = []
  for (let r = 0; r < plan.rounds; r++) {
    // Alternate which goes first, so neither always runs on a warmer process.
    const first = r % 2 === 0
    const a = await sendRate(first, plan.sends)
    const b = await sendRate(!first, plan.sends)
    ratios.push(first ? a / b : b / a)
  }
  ratios.sort((a, b) => a - b)
  const round = (x: number) => Math.round(x * 1000) / 1000
  const median = ratios[Math.floor(ratios.length / 2)] ?? 0
  const armed = {
    min: round(ratios[0] ?? 0),
    median: round(median),
    max: round(ratios.at(-1) ?? 0),
  }
  const node = plan.chromium ? await nodeSlowConsumer(plan.chromium) : undefined
  const chromium = plan.chromium ? await chromiumSlowConsumer(plan.chromium) : undefined
  return { plan, streams, wsWait, naive, armedOverPlain: armed.median, armed, node, chromium }
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  const [mib = '32', rate = '8', sends = '200000', rounds = '5'] = process.argv.slice(2)
  console.log(
    JSON.stringify(
      await flowBench({ mib: +mib, rate: +rate, sends: +sends, rounds: +rounds }),
      null,
      2,
    ),
  )
}

/**
 * B10, send-side flow control. A producer process writes `mib` MiB in 64 KiB
 * chunks to a server that reads `rate` MiB/s (it pauses its socket when ahead
 * of the rate): through `toStreams(conn).writable`, and in a naive `ws` send
 * loop. Reported: each producer's RSS growth and the bytes the server received.
 * Then `send()` throughput on an open connection with a `bufferedamountlow`
 * listener armed vs none (ratio, same run). Then the slow consumer in Chromium
 * (flow-chromium.ts): `StreamSocket` beside the browser's WebSocket.
 */
import { execFile } from 'node:child_process'
import { once } from 'node:events'
import { fileURLToPath } from 'node:url'
import { promisify } from 'node:util'
import WebSocket, { WebSocketServer } from 'ws'
import { createConnection } from '../src/index.js'
import { chromiumSlowConsumer } from './flow-chromium.js'

const run = promisify(execFile)
const PRODUCER = fileURLToPath(new URL('./flow-producer.ts', import.meta.url))

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
  /** The Chromium slow consumer: MiB sent, MiB/s read. */
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
  const chromium = plan.chromium ? await chromiumSlowConsumer(plan.chromium) : undefined
  return { plan, streams, wsWait, naive, armedOverPlain: armed.median, armed, chromium }
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

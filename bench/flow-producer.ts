/**
 * B10's producer, in a process of its own so its RSS is its own: writes `mib`
 * MiB in 64 KiB chunks to `url`, either through `toStreams(conn).writable`
 * (`streams`), in a naive `ws` send loop (`naive`), or in a `ws` loop that waits
 * while its `bufferedAmount` is above 1 MiB (`ws-wait`: the floor of any
 * producer that allocates its chunks, ws's own memory plus the collector's lag), and prints its RSS at the
 * start, its peak (sampled every 20 ms) and the bytes written, as JSON.
 */
import WebSocket from 'ws'
import { createConnection } from '../src/index.js'
import { toStreams } from '../src/streams/index.js'

const [mode, url, mibText] = process.argv.slice(2) as [string, string, string]
const CHUNK = 64 * 1024
const chunks = (Number(mibText) * 1024 * 1024) / CHUNK
const start = process.memoryUsage().rss
let peak = start
const sampler = setInterval(() => {
  peak = Math.max(peak, process.memoryUsage().rss)
}, 20)
const chunk = () => new Uint8Array(CHUNK).fill(7)

if (mode === 'streams') {
  const conn = createConnection(url, { WebSocket: WebSocket as never, heartbeat: false })
  let i = 0
  const source = new ReadableStream<Uint8Array>({
    pull(controller) {
      if (i++ === chunks) controller.close()
      else controller.enqueue(chunk())
    },
  })
  await source.pipeTo(toStreams(conn, { highWaterMark: 1 << 20 }).writable)
} else {
  const ws = new WebSocket(url)
  await new Promise((resolve) => ws.once('open', resolve))
  for (let i = 0; i < chunks; i++) {
    ws.send(chunk())
    if (mode === 'ws-wait') {
      while (ws.bufferedAmount > 1 << 20) await new Promise((resolve) => setTimeout(resolve, 5))
    }
  }
  await new Promise<void>((resolve) => {
    const check = setInterval(() => {
      if (ws.bufferedAmount === 0) {
        clearInterval(check)
        ws.close(1000)
        resolve()
      }
    }, 20)
  })
}
peak = Math.max(peak, process.memoryUsage().rss)
clearInterval(sampler)
process.stdout.write(`${JSON.stringify({ mode, start, peak, bytes: chunks * CHUNK })}\n`)
process.exit(0)

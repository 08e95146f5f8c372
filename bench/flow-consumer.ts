/**
 * B10's slow consumer in Node, in a process of its own so its RSS is its own:
 * reads `mib` MiB sent as fast as a `ws` server can at `rate` MiB/s, either
 * through `toStreams(conn).readable` over `ws` (`streams`: the readable pauses
 * the socket when its buffer is full) or from a plain `ws` client whose
 * `message` listener queues what arrives for the consumer (`plain`: nothing
 * holds the network back). Prints its RSS at the start, its peak (sampled every
 * 20 ms), with `held` the peak of what it holds after a full collection
 * (heap plus ArrayBuffers, every 250 ms), the bytes read, whether they came in
 * order and the consumer's time, as JSON.
 */
import WebSocket from 'ws'
import { createConnection } from '../src/index.js'
import { toStreams } from '../src/streams/index.js'

const [mode, url, mibText, rateText, measure] = process.argv.slice(2) as string[] as [
  string,
  string,
  string,
  string,
  string | undefined,
]
const MiB = 1024 * 1024
const total = Number(mibText) * MiB
const rate = Number(rateText)
const start = process.memoryUsage().rss
let peak = start
const sampler = setInterval(() => {
  peak = Math.max(peak, process.memoryUsage().rss)
}, 20)
/**
 * With `held` (and --expose-gc): what the process holds, the heap plus
 * ArrayBuffers right after a full collection, every 250 ms. The collections
 * keep garbage out of the RSS, so a run measures one or the other.
 */
const gc = measure === 'held' ? (globalThis as { gc?: () => void }).gc : undefined
const held = () => {
  const m = process.memoryUsage()
  return m.heapUsed + m.arrayBuffers
}
gc?.()
const heldAtStart = held()
let heldPeak = heldAtStart
const liveSampler = setInterval(() => {
  if (gc === undefined) return
  gc()
  heldPeak = Math.max(heldPeak, held())
}, 250)

let bytes = 0
let seq = 0
let inOrder = true
const t0 = performance.now()
/** Takes one message, then waits as long as the consumer is ahead of `rate`. */
async function consume(data: ArrayBuffer) {
  if (new DataView(data).getUint32(0) !== seq++) inOrder = false
  bytes += data.byteLength
  const ahead = bytes / (rate * MiB) - (performance.now() - t0) / 1000
  if (ahead > 0) await new Promise((resolve) => setTimeout(resolve, ahead * 1000))
}

if (mode === 'streams') {
  const conn = createConnection(url, {
    WebSocket: WebSocket as never,
    binaryType: 'arraybuffer',
    heartbeat: false,
    reconnect: false,
  })
  const reader = toStreams(conn, { highWaterMark: 1 << 20 }).readable.getReader()
  while (bytes < total) {
    const { value, done } = await reader.read()
    if (done) break
    await consume(value as ArrayBuffer)
  }
  conn.close()
} else {
  const ws = new WebSocket(url)
  ws.binaryType = 'arraybuffer'
  const queue: ArrayBuffer[] = []
  let wake: (() => void) | null = null
  ws.on('message', (data: ArrayBuffer) => {
    queue.push(data)
    wake?.()
  })
  while (bytes < total) {
    if (queue.length === 0) {
      await new Promise<void>((resolve) => {
        wake = resolve
      })
      wake = null
    }
    await consume(queue.shift() as ArrayBuffer)
  }
  ws.close()
}
peak = Math.max(peak, process.memoryUsage().rss)
clearInterval(sampler)
clearInterval(liveSampler)
const seconds = (performance.now() - t0) / 1000
const live = gc === undefined ? null : heldPeak - heldAtStart
process.stdout.write(
  `${JSON.stringify({ mode, start, peak, live, received: bytes, inOrder, seconds })}\n`,
)
process.exit(0)

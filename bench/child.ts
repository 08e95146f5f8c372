/**
 * Measurements that need a process of their own (a clean heap, its own RSS, its
 * own CPU clock). Run by bench/memory.ts and bench/idle.ts as
 *   node --expose-gc --import tsx bench/child.ts <mode> <json args>
 * and prints one JSON line.
 *
 *   heap  {n, reps}                    heap per heartline controller over a stub socket
 *   rss   {kind, port, n}              RSS per live connection (kind: ws | heartline)
 *   idle  {kind, port, n, interval, window}
 *                                      CPU per heartbeat cycle (kind: heartline | classic)
 *   cycle {kind, n, cycles}            CPU per heartbeat cycle on a fake clock and an
 *                                      in-memory socket (bench/cycle-contenders.ts)
 */
import WS from 'ws'
import { createActor, fromCallback } from 'xstate'
import { connectionMachine } from '../machines/connection.js'
import { createConnection } from '../src/index.js'
import { chartInput, resolveOptions } from '../src/resolve-options.js'
import { classicClient } from './classic.js'
import { cycleRun } from './cycle-contenders.js'

const gc = (globalThis as { gc?: () => void }).gc
if (gc === undefined) throw new Error('run with --expose-gc')
const settle = async () => {
  for (let i = 0; i < 3; i++) {
    await new Promise((r) => setTimeout(r, 20))
    gc()
  }
}
const sleep = (ms: number) => new Promise<void>((r) => setTimeout(r, ms))

/** A socket that opens on the next tick and then stays idle: no network at all. */
class StubSocket {
  readyState = 0
  protocol = ''
  bufferedAmount = 0
  binaryType = 'blob'
  #open: Array<() => void> = []
  constructor(_url: string) {
    queueMicrotask(() => {
      this.readyState = 1
      for (const fn of this.#open) fn()
    })
  }
  addEventListener(type: string, listener: () => void): void {
    if (type === 'open') this.#open.push(listener)
  }
  removeEventListener(): void {}
  send(): void {}
  close(): void {
    this.readyState = 3
  }
}

/** Heap growth per item for `n` items made by `make` (after a warm-up). */
async function perItem(n: number, make: () => unknown): Promise<number> {
  const warm = Array.from({ length: 20 }, make)
  await settle()
  warm.length = 0
  await settle()
  const before = process.memoryUsage().heapUsed
  const keep = Array.from({ length: n }, make)
  await settle()
  const bytes = (process.memoryUsage().heapUsed - before) / n
  if (keep.length !== n) throw new Error('lost items')
  return bytes
}

/**
 * Where a controller's heap goes: `machine.provide()` (done once per connection,
 * because the implementations close over that connection) versus the actor
 * itself on one shared machine.
 */
async function heapBreakdown(n: number) {
  const socket = fromCallback(() => () => undefined) as never
  const input = chartInput(resolveOptions({ WebSocket: StubSocket as never }))
  const provideOnly = await perItem(n, () => connectionMachine.provide({ actors: { socket } }))
  const shared = connectionMachine.provide({ actors: { socket } })
  const actorOnSharedMachine = await perItem(n, () => createActor(shared, { input }).start())
  return { provideOnly, actorOnSharedMachine }
}

/** `reps` measurements of `n` live controllers each, in this one process (heap is measured as a delta after full GCs). */
async function heap({ n, reps }: { n: number; reps: number }) {
  // Warm-up: load and compile every path once, then drop it.
  const warm = Array.from({ length: 50 }, () =>
    createConnection('ws://127.0.0.1:1/', { WebSocket: StubSocket as never }),
  )
  await settle()
  for (const c of warm) c.close()
  warm.length = 0
  await settle()
  const bytesPerController: number[] = []
  let open = 0
  for (let r = 0; r < reps; r++) {
    const before = process.memoryUsage().heapUsed
    const live = Array.from({ length: n }, () =>
      createConnection('ws://127.0.0.1:1/', { WebSocket: StubSocket as never }),
    )
    await settle()
    bytesPerController.push((process.memoryUsage().heapUsed - before) / n)
    open = live.filter((c) => c.state === 'open').length
    for (const c of live) c.close()
    live.length = 0
    // closing waits closeTimeout (the stub never fires close); let those timers run out.
    await sleep(1100)
    await settle()
  }
  return { bytesPerController, open, n, breakdown: await heapBreakdown(n) }
}

async function connectAll<T>(n: number, make: (resolve: () => void) => T): Promise<T[]> {
  const list: T[] = []
  // In batches, so the server's accept backlog never overflows.
  for (let i = 0; i < n; i += 100) {
    const batch = Math.min(100, n - i)
    await Promise.all(
      Array.from({ length: batch }, () => new Promise<void>((resolve) => list.push(make(resolve)))),
    )
  }
  return list
}

async function rss({ kind, port, n }: { kind: 'ws' | 'heartline'; port: number; n: number }) {
  const url = `ws://127.0.0.1:${port}/rss`
  const make = (resolve: () => void) => {
    if (kind === 'ws') {
      const ws = new WS(url)
      ws.addEventListener('open', () => resolve())
      ws.addEventListener('error', () => undefined)
      return ws
    }
    const conn = createConnection(url, { WebSocket: WS })
    conn.addEventListener('open', () => resolve())
    return conn
  }
  // Warm-up: one batch opened and closed, so code and pools are already there.
  const warm = await connectAll(50, make)
  for (const c of warm) c.close()
  await sleep(200)
  await settle()
  const before = process.memoryUsage().rss
  const live = await connectAll(n, make)
  await sleep(200)
  await settle()
  const after = process.memoryUsage().rss
  const result = { bytesPerConnection: (after - before) / n, n }
  for (const c of live) c.close()
  return result
}

async function idle({
  kind,
  port,
  n,
  interval,
  window,
}: {
  kind: 'heartline' | 'classic'
  port: number
  n: number
  interval: number
  window: number
}) {
  const url = `ws://127.0.0.1:${port}/idle`
  let pings = 0
  class Counting extends WS {
    override send(data: unknown, ...rest: never[]): void {
      if (data === 'ping') pings++
      ;(super.send as (...a: unknown[]) => void)(data, ...rest)
    }
  }
  const closers: Array<() => void> = []
  await connectAll(n, (resolve) => {
    if (kind === 'heartline') {
      const conn = createConnection(url, {
        WebSocket: Counting,
        heartbeat: { interval, timeout: interval },
      })
      conn.addEventListener('open', () => resolve())
      closers.push(() => conn.close())
      return conn
    }
    const client = classicClient(url, Counting as never, {
      pingAfter: interval,
      closeAfter: interval,
      reconnectAfter: 4000,
    })
    client.onopen = resolve
    closers.push(() => client.stop())
    return client
  })
  // Let the heartbeat phases spread and settle before measuring.
  await sleep(interval * 3)
  const pings0 = pings
  const cpu0 = process.cpuUsage()
  const t0 = performance.now()
  await sleep(window)
  const cpu = process.cpuUsage(cpu0)
  const elapsed = performance.now() - t0
  const cycles = pings - pings0
  for (const close of closers) close()
  const cpuUs = cpu.user + cpu.system
  return {
    cycles,
    cpuMs: cpuUs / 1000,
    elapsedMs: elapsed,
    usPerCycle: cpuUs / cycles,
    cpuShare: cpuUs / 1000 / elapsed,
  }
}

const [mode, json] = process.argv.slice(2)
const args = JSON.parse(json ?? '{}')
const result =
  mode === 'heap'
    ? await heap(args)
    : mode === 'rss'
      ? await rss(args)
      : mode === 'idle'
        ? await idle(args)
        : mode === 'cycle'
          ? await cycleRun({ ...args, gc })
          : undefined
if (result === undefined) throw new Error(`unknown mode ${mode}`)
process.stdout.write(`${JSON.stringify(result)}\n`)
process.exit(0)

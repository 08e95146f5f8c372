/**
 * Soak: many heartline clients against a real `ws` server (a child process) that
 * flaps every few seconds, alternately closing every client (1001 / 1012) and
 * being killed and restarted on the same port. Prints heap, active handles and
 * open sockets at the start, a few times on the way and at the end, then closes
 * everything and exits by itself. Not part of `npm test`.
 *
 *   npm run soak -- --minutes 10 [--clients 200] [--flap 4]
 */
import { type ChildProcess, fork } from 'node:child_process'
import { fileURLToPath } from 'node:url'
import { parseArgs } from 'node:util'
import WebSocket, { WebSocketServer } from 'ws'
import { type Connection, createConnection } from '../src/index.js'

const { values } = parseArgs({
  options: {
    minutes: { type: 'string', default: '10' },
    clients: { type: 'string', default: '200' },
    flap: { type: 'string', default: '4' },
    server: { type: 'string' },
  },
})

if (values.server !== undefined) runServer(Number(values.server))
else await runSoak()

// ---- the server (child process) -----------------------------------------------------

function runServer(port: number): void {
  const wss = new WebSocketServer({ host: '127.0.0.1', port })
  wss.on('listening', () => {
    const address = wss.address()
    process.send?.({
      type: 'listening',
      port: typeof address === 'object' && address !== null ? address.port : port,
    })
  })
  wss.on('connection', (socket) => {
    socket.on('message', (data, isBinary) => {
      const text = isBinary ? null : data.toString()
      if (text === 'ping') socket.send('pong')
      else socket.send(isBinary ? data : `echo:${text}`)
    })
  })
  process.on('message', (message: { type: string; code?: number }) => {
    if (message.type === 'close-all') {
      for (const client of wss.clients) client.close(message.code ?? 1001, 'flap')
    }
  })
}

// ---- the soak (parent) ----------------------------------------------------------------

function positive(name: string, raw: string | undefined): number {
  const n = Number(raw)
  if (!Number.isFinite(n) || n <= 0) {
    console.error(`--${name} must be a number > 0; got ${JSON.stringify(raw)}`)
    process.exit(2)
  }
  return n
}

async function runSoak(): Promise<void> {
  const minutes = positive('minutes', values.minutes)
  const clientCount = Math.floor(positive('clients', values.clients))
  const flapSeconds = positive('flap', values.flap)
  const gc = (globalThis as { gc?: () => void }).gc
  const self = fileURLToPath(import.meta.url)

  let server: ChildProcess | undefined
  let port = 0
  const startServer = () =>
    new Promise<void>((resolve, reject) => {
      const child = fork(self, ['--server', String(port)], {
        execArgv: process.execArgv.filter((a) => a !== '--expose-gc'),
        stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
      })
      server = child
      child.once('error', reject)
      child.once('exit', (code) => reject(new Error(`server exited early (${code})`)))
      child.on('message', (m: { type: string; port: number }) => {
        if (m.type === 'listening') {
          port = m.port
          child.removeAllListeners('exit')
          resolve()
        }
      })
    })
  const killServer = () =>
    new Promise<void>((resolve) => {
      const child = server
      server = undefined
      if (!child || child.exitCode !== null) return resolve()
      child.once('exit', () => resolve())
      child.kill('SIGKILL')
    })

  await startServer()
  const url = `ws://127.0.0.1:${port}/soak`

  const stats = { sent: 0, written: 0, echoed: 0, dropped: 0, opens: 0, closes: 0, errors: 0 }
  /** `ws`, counting application messages handed to an OPEN socket (what reached the wire). */
  class CountingWebSocket extends WebSocket {
    override send(data: unknown, ...rest: unknown[]): void {
      if (this.readyState === WebSocket.OPEN && typeof data === 'string' && data[0] === 'm') {
        stats.written++
      }
      ;(super.send as (...args: unknown[]) => void)(data, ...rest)
    }
  }
  const clients: Connection[] = []
  for (let i = 0; i < clientCount; i++) {
    const conn = createConnection(url, {
      WebSocket: CountingWebSocket,
      heartbeat: { interval: 1000, timeout: 1000 },
      reconnect: { initialDelay: 250, maxDelay: 3000, stableAfter: 2000 },
      connectTimeout: 2000,
      closeTimeout: 500,
      queue: { max: 50 },
    })
    conn.addEventListener('open', () => stats.opens++)
    conn.addEventListener('close', () => stats.closes++)
    conn.addEventListener('error', () => stats.errors++)
    conn.addEventListener('drop', () => stats.dropped++)
    conn.addEventListener('message', (e) => {
      if (typeof e.data === 'string' && e.data.startsWith('echo:')) stats.echoed++
    })
    clients.push(conn)
  }

  const allOpen = async (limitMs: number) => {
    const until = Date.now() + limitMs
    while (Date.now() < until && clients.some((c) => c.state !== 'open')) {
      await new Promise((r) => setTimeout(r, 50))
    }
    return clients.filter((c) => c.state === 'open').length
  }

  const started = Date.now()
  const sample = (label: string) => {
    gc?.()
    const resources = process.getActiveResourcesInfo()
    const byType = new Map<string, number>()
    for (const r of resources) byType.set(r, (byType.get(r) ?? 0) + 1)
    const states = new Map<string, number>()
    for (const c of clients) states.set(c.state, (states.get(c.state) ?? 0) + 1)
    const heap = process.memoryUsage().heapUsed / 1024 / 1024
    const seconds = ((Date.now() - started) / 1000).toFixed(0).padStart(4)
    console.log(
      `[${seconds} s] ${label.padEnd(14)} heap ${heap.toFixed(1)} MB | handles ${resources.length} ` +
        `(${[...byType].map(([k, v]) => `${k} ${v}`).join(', ')}) | open sockets ${byType.get('TCPSocketWrap') ?? 0} | ` +
        `states ${[...states].map(([k, v]) => `${k} ${v}`).join(', ')} | sent ${stats.sent} echoed ${stats.echoed} ` +
        `dropped ${stats.dropped} opens ${stats.opens} closes ${stats.closes}`,
    )
  }

  console.log(
    `soak: ${clientCount} clients, server flaps every ${flapSeconds} s, ${minutes} min${gc ? '' : ' (run with --expose-gc for settled heap figures)'}`,
  )
  const openAtStart = await allOpen(20_000)
  sample(`start (${openAtStart} open)`)

  // Application traffic: every client sends a numbered message every second.
  const traffic = setInterval(() => {
    for (const c of clients) {
      if (c.state !== 'closed') {
        c.send(`m${stats.sent++}`)
      }
    }
  }, 1000)

  let flaps = 0
  let restarts = 0
  let flapping = true
  const flapLoop = (async () => {
    while (flapping) {
      await new Promise((r) => setTimeout(r, flapSeconds * 1000))
      if (!flapping) break
      flaps++
      if (flaps % 2 === 1) {
        server?.send({ type: 'close-all', code: flaps % 4 === 1 ? 1001 : 1012 })
      } else {
        await killServer()
        await new Promise((r) => setTimeout(r, 300))
        await startServer()
        restarts++
      }
    }
  })()

  const durationMs = minutes * 60_000
  const sampleEvery = Math.max(10_000, durationMs / 6)
  const sampler = setInterval(() => sample('running'), sampleEvery)
  await new Promise((r) => setTimeout(r, durationMs))
  clearInterval(sampler)
  flapping = false
  await flapLoop
  clearInterval(traffic)

  const openAtEnd = await allOpen(20_000)
  // Let the last echoes arrive.
  await new Promise((r) => setTimeout(r, 500))
  sample(`end (${openAtEnd} open)`)
  console.log(`flaps: ${flaps} (${restarts} server restarts, ${flaps - restarts} close-all)`)

  for (const c of clients) c.close(1000, 'soak over')
  const deadline = Date.now() + 5000
  while (Date.now() < deadline && clients.some((c) => c.state !== 'closed')) {
    await new Promise((r) => setTimeout(r, 50))
  }
  await killServer()
  await new Promise((r) => setTimeout(r, 200))
  sample('after close()')
  const queued = clients.reduce((n, c) => n + c.queued, 0)
  const lost = stats.sent - stats.written - stats.dropped - queued
  console.log(
    `messages: ${stats.sent} sent = ${stats.written} written to an open socket + ${stats.dropped} reported by drop + ` +
      `${queued} still queued; lost silently: ${lost}. Echoes received: ${stats.echoed} ` +
      '(the rest were in flight when the server was killed or closed the socket)',
  )
  const left = process.getActiveResourcesInfo().filter((r) => r !== 'TTYWrap')
  console.log(`resources left: ${left.length ? left.join(', ') : 'none'}`)
  process.exit(lost === 0 ? 0 : 1)
}

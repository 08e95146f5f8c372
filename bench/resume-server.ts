/**
 * B9's server, in its own process (`node --import tsx bench/resume-server.ts <config>`):
 * a `ws` server that, per connection (resume off) or per session (resume on),
 * streams `n` 32-byte messages (`/in`) or counts `n` and answers `done` (`/out`).
 * The path is chosen by the first message, so one server serves every trial.
 * Reports `{ port }` on stdout when listening.
 */
import { WebSocketServer } from 'ws'
import { acceptSessions, memoryStore, type SessionStore } from '../src/server/index.js'
import { PAYLOAD } from './wire.js'

const config = JSON.parse(process.argv[2] ?? '{}') as {
  resume: boolean
  store?: 'memory' | 'redis'
  redisPort?: number
}

let store: SessionStore = memoryStore({ maxBytes: 64 * 1024 * 1024 })
if (config.resume && config.store === 'redis') {
  const { Redis } = await import('ioredis')
  const { redisStore } = await import('../src/server/redis/index.js')
  store = redisStore(new Redis({ host: '127.0.0.1', port: config.redisPort ?? 6379 }), {
    maxBytes: 64 * 1024 * 1024,
    prefix: `bench${process.pid}:`,
  })
}

// Created once the store is ready, so no connection arrives before its handler.
const wss = new WebSocketServer({ host: '127.0.0.1', port: 0 })
wss.on('listening', () => {
  process.stdout.write(`${JSON.stringify({ port: (wss.address() as { port: number }).port })}\n`)
})

/** The first message names the trial: `in <n>`, `out <n>` or `hold`. */
function trial(
  text: string,
  send: (data: string) => unknown,
): ((data: string) => void) | undefined {
  const [mode, count] = text.split(' ')
  const n = Number(count)
  if (mode === 'in') {
    for (let i = 0; i < n; i++) send(PAYLOAD)
    return undefined
  }
  if (mode === 'out') {
    let got = 0
    return () => {
      if (++got === n) send('done')
    }
  }
  return undefined
}

if (config.resume) {
  const sessions = acceptSessions(wss, { store })
  sessions.on('session', (session) => {
    let handler: ((data: string) => void) | undefined
    let first = true
    session.on('message', (data) => {
      const text = String(data)
      if (first) {
        first = false
        // `hold <n>`: the resume trial; the server queues n messages for the client.
        if (text.startsWith('hold ')) {
          const n = Number(text.slice(5))
          session.once('detach', () => {
            for (let i = 0; i < n; i++) void session.send(PAYLOAD)
          })
          handler = trial(`out ${n}`, (d) => session.send(d))
          return
        }
        handler = trial(text, (d) => session.send(d))
        return
      }
      handler?.(text)
    })
  })
} else {
  wss.on('connection', (socket) => {
    let handler: ((data: string) => void) | undefined
    let first = true
    socket.on('message', (data) => {
      const text = String(data)
      if (text === 'ping') return void socket.send('pong')
      if (first) {
        first = false
        handler = trial(text, (d) => socket.send(d))
        return
      }
      handler?.(text)
    })
  })
}

process.stdin.on('data', () => undefined)
process.stdin.on('end', () => process.exit(0))

/**
 * A resumable-session server in its own process (run with `node --import tsx`),
 * so a test can SIGKILL it, restart it, or run two of them against one Redis.
 * Its application streams `s1…s<count>` to every session, continuing from the
 * session's last seq (the store is its durable state), and reports what it
 * receives (client message numbers, `c<n>`), one JSON line each on stdout:
 * `listening`, `session`, `got`, `close`, `drop`.
 *
 * Usage: node --import tsx session-server.ts '{"port":0,"store":"memory","ttl":2000,"count":10000}'
 */
import { writeSync } from 'node:fs'
import { WebSocketServer } from 'ws'
import {
  acceptSessions,
  memoryStore,
  type Session,
  type SessionStore,
} from '../../src/server/index.js'

interface Config {
  port: number
  store: 'memory' | 'redis'
  redisPort?: number
  prefix?: string
  ttl: number
  count: number
  /** Messages sent per turn of the event loop. */
  chunk?: number
}

const config = JSON.parse(process.argv[2] ?? '{}') as Config
// writeSync: in the pipe before it returns. process.stdout queues in memory when the
// pipe is full, and a SIGKILL would drop what the application had already handled.
function report(record: object): void {
  let bytes = Buffer.from(`${JSON.stringify(record)}\n`)
  while (bytes.length > 0) {
    try {
      bytes = bytes.subarray(writeSync(1, bytes))
    } catch (error) {
      // The pipe is full (non-blocking): wait for the test to read it.
      if ((error as { code?: string }).code !== 'EAGAIN') throw error
    }
  }
}

let store: SessionStore
let closeStore = async () => {}
if (config.store === 'redis') {
  const { Redis } = await import('ioredis')
  const { redisStore } = await import('../../src/server/redis/index.js')
  const client = new Redis({ port: config.redisPort ?? 6379, host: '127.0.0.1' })
  store = redisStore(client, { ttl: config.ttl, prefix: config.prefix ?? 'hl:' })
  closeStore = async () => {
    client.disconnect()
  }
} else {
  store = memoryStore({ ttl: config.ttl })
}

const wss = new WebSocketServer({ host: '127.0.0.1', port: config.port })
const sessions = acceptSessions(wss, { store })
sessions.on('error', (error) => report({ type: 'error', message: String(error) }))

function stream(session: Session): void {
  let next = session.sent + 1
  let open = true
  session.on('close', () => {
    open = false
  })
  const chunk = config.chunk ?? 100
  const pump = () => {
    if (!open) return
    for (let i = 0; i < chunk && next <= config.count; i++) session.send(`s${next++}`)
    if (next <= config.count) setImmediate(pump)
  }
  pump()
}

sessions.on('session', (session) => {
  report({ type: 'session', id: session.id, sent: session.sent })
  // Reported inside the listener, synchronously: the application has handled a
  // message when its listener returns, and only then may the session record it as
  // handed out. A report deferred past that point could be cut off by a SIGKILL
  // after the session recorded the message.
  session.on('message', (data, info) => {
    const n = Number(String(data).slice(1))
    report({ type: 'got', id: session.id, runs: [[n, n]], redelivered: info.redelivered ? 1 : 0 })
  })
  session.on('drop', (_data, reason) => report({ type: 'drop', id: session.id, reason }))
  session.on('close', (info) =>
    report({ type: 'close', id: session.id, sent: session.sent, ...info }),
  )
  stream(session)
})

wss.on('listening', () =>
  report({ type: 'listening', port: (wss.address() as { port: number }).port }),
)
// A port taken meanwhile (a restart on the previous run's port): say so at once
// and exit, so the parent can try again instead of waiting for a listening line.
wss.on('error', (error: NodeJS.ErrnoException) => {
  report({ type: 'listen-failed', code: error.code, reason: error.message })
  process.exit(1)
})

process.stdin.on('data', () => undefined)
// The test that started this server is gone: never outlive it.
process.stdin.on('end', async () => {
  await closeStore()
  process.exit(0)
})

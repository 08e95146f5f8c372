/**
 * Hostile soak: 1,000 hostile clients of mixed kinds for 60 s against one
 * `acceptSessions` server (with `identify` and `admission`) in a child process on
 * loopback. Prints the server's RSS, sockets, sessions and heap before, at the end
 * of the storm, and after the clients are gone (once the server's timeouts ran).
 * Every client loops a bounded number of times. Not part of `npm test`.
 *
 *   npm run soak:hostile [-- --seconds 60 --clients 1000 --ttl 10000]
 *
 * `--ttl` is the sessions' ttl (short, so that the sessions the storm left expire
 * before the last figures are taken).
 */
import { fork } from 'node:child_process'
import { once } from 'node:events'
import net from 'node:net'
import { fileURLToPath } from 'node:url'
import { parseArgs } from 'node:util'
import WebSocket, { WebSocketServer } from 'ws'
import { acceptSessions, admission, memoryStore } from '../src/server/index.js'

const { values } = parseArgs({
  options: {
    seconds: { type: 'string', default: '60' },
    clients: { type: 'string', default: '1000' },
    ttl: { type: 'string', default: '10000' },
    server: { type: 'boolean', default: false },
  },
})

interface Figures {
  rssMiB: number
  heapMiB: number
  tcpSockets: number
  wsClients: number
  sessions: number
  bufferedKiB: number
}

if (values.server) await runServer()
else await runSoak()

// ---- the server (child process) ------------------------------------------------------

async function runServer(): Promise<void> {
  const wss = new WebSocketServer({ host: '127.0.0.1', port: 0 })
  await once(wss, 'listening')
  admission(wss, { perSecond: 2000 })
  const sessions = acceptSessions(wss, {
    store: memoryStore({ ttl: Number(values.ttl) }),
    identify: (request) => request.headers['x-user'] as string | undefined,
  })
  sessions.on('error', () => undefined)
  sessions.on('session', (session) => {
    session.on('message', (data) => void session.send(data))
    session.on('attach', () => void session.send('x'.repeat(1024)))
  })
  const server = (wss as unknown as { _server: net.Server })._server
  const figures = async (): Promise<Figures> => {
    const tcp = await new Promise<number>((resolve) =>
      server.getConnections((_e, n) => resolve(n ?? -1)),
    )
    const memory = process.memoryUsage()
    return {
      rssMiB: Math.round(memory.rss / 2 ** 20),
      heapMiB: Math.round(memory.heapUsed / 2 ** 20),
      tcpSockets: tcp,
      wsClients: wss.clients.size,
      sessions: sessions.size,
      bufferedKiB: Math.round([...wss.clients].reduce((n, c) => n + c.bufferedAmount, 0) / 1024),
    }
  }
  process.on('message', async (message: string) => {
    if (message === 'figures') {
      globalThis.gc?.()
      process.send?.({ type: 'figures', figures: await figures() })
    }
  })
  process.send?.({ type: 'listening', port: (wss.address() as net.AddressInfo).port })
}

// ---- the hostile clients -------------------------------------------------------------

async function runSoak(): Promise<void> {
  const seconds = Number(values.seconds)
  const count = Number(values.clients)
  const child = fork(fileURLToPath(import.meta.url), ['--server', '--ttl', String(values.ttl)], {
    execArgv: ['--expose-gc', '--import', 'tsx'],
  })
  const [ready] = (await once(child, 'message')) as [{ port: number }]
  const port = ready.port
  const url = `ws://127.0.0.1:${port}`
  const ask = async (): Promise<Figures> => {
    child.send('figures')
    for (;;) {
      const [m] = (await once(child, 'message')) as [{ type: string; figures: Figures }]
      if (m.type === 'figures') return m.figures
    }
  }
  const before = await ask()
  console.log('before', JSON.stringify(before))

  const end = Date.now() + seconds * 1000
  const sids: string[] = []
  const rounds: Record<string, number> = {}
  const UPGRADE =
    'GET / HTTP/1.1\r\nHost: 127.0.0.1\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n' +
    'Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 13\r\n\r\n'

  /** One socket's life: resolves when it closed or after `limit` ms (then it is terminated). */
  const socket = (user: string, act: (ws: WebSocket) => void, limit = 15_000) =>
    new Promise<void>((resolve) => {
      const ws = new WebSocket(url, { headers: { 'x-user': user } })
      ws.on('error', () => undefined)
      const timer = setTimeout(() => ws.terminate(), limit)
      ws.on('open', () => act(ws))
      ws.on('close', () => {
        clearTimeout(timer)
        resolve()
      })
    })
  const welcomeOf = (ws: WebSocket) =>
    new Promise<string | null>((resolve) => {
      ws.once('message', (data) => {
        const text = String(data)
        resolve(text.startsWith('W') ? (JSON.parse(text.slice(1)).sid as string) : null)
      })
    })
  const stopReading = (ws: WebSocket) => (ws as unknown as { _socket: net.Socket })._socket.pause()
  const raw = (hold: boolean) =>
    new Promise<void>((resolve) => {
      const s = net.connect({ port, host: '127.0.0.1' })
      s.on('error', () => undefined)
      s.on('close', () => resolve())
      s.on('connect', () => {
        s.pause()
        s.write(UPGRADE)
        if (!hold) s.destroy()
      })
      setTimeout(() => s.destroy(), 20_000)
    })

  const kinds: Record<string, (user: string) => Promise<void>> = {
    // Never says hello.
    silent: (user) => socket(user, () => undefined),
    // Hello, then gone at the welcome: a session left for its ttl.
    'hello-and-go': (user) =>
      socket(user, (ws) => {
        void welcomeOf(ws).then((sid) => {
          if (sid !== null && sids.length < 500) sids.push(sid)
          ws.terminate()
        })
        ws.send('H{"v":1,"ack":0}')
      }),
    // Resumes someone's session (another principal) and never reads.
    thief: (user) =>
      socket(user, (ws) => {
        const sid = sids[Math.floor(Math.random() * sids.length)]
        ws.send(`H${JSON.stringify({ v: 1, sid, ack: 0 })}`)
        stopReading(ws)
      }),
    // Resumes its own session again and again, never reading.
    'resume-no-read': async (user) => {
      let sid: string | null = null
      await socket(user, (ws) => {
        void welcomeOf(ws).then((s) => {
          sid = s
          ws.terminate()
        })
        ws.send('H{"v":1,"ack":0}')
      })
      for (let i = 0; i < 20 && sid !== null && Date.now() < end; i++) {
        await socket(
          user,
          (ws) => {
            ws.send(`H${JSON.stringify({ v: 1, sid, ack: 0 })}`)
            stopReading(ws)
          },
          3000,
        )
      }
    },
    // Floods pings without reading.
    'ping-flood': (user) =>
      socket(
        user,
        (ws) => {
          ws.send('H{"v":1,"ack":0}')
          stopReading(ws)
          for (let i = 0; i < 2000; i++) ws.send('ping')
        },
        5000,
      ),
    // Floods frames before the welcome.
    'pre-welcome-flood': (user) =>
      socket(user, (ws) => {
        ws.send('H{"v":1,"ack":0}')
        const frame = `M1 ${'y'.repeat(4096)}`
        for (let i = 0; i < 200; i++) ws.send(frame)
      }),
    // Odd hellos: a long version, an ack below what was acknowledged, garbage.
    'odd-hello': (user) =>
      socket(user, (ws) => {
        const pick = Math.floor(Math.random() * 3)
        if (pick === 0) ws.send(`H${JSON.stringify({ v: 'v'.repeat(200), ack: 0 })}`)
        else if (pick === 1) ws.send(`H${JSON.stringify({ v: 1, sid: 'x'.repeat(1000), ack: 0 })}`)
        else ws.send('garbage')
      }),
    // A handshake and gone before the answer.
    junk: () => raw(false),
    // A handshake, never reads, never closes its side.
    'half-open': () => raw(true),
  }
  const names = Object.keys(kinds)
  const clients = Array.from({ length: count }, async (_, i) => {
    const name = names[i % names.length] as string
    const run = kinds[name] as (user: string) => Promise<void>
    // Bounded: at most 1,000 rounds per client, whatever happens.
    for (let round = 0; round < 1000 && Date.now() < end; round++) {
      await run(`user${i % 50}`)
      rounds[name] = (rounds[name] ?? 0) + 1
    }
  })
  const during = setInterval(async () => console.log('during', JSON.stringify(await ask())), 15_000)
  await new Promise((resolve) => setTimeout(resolve, seconds * 1000))
  clearInterval(during)
  const atEnd = await ask()
  console.log('end of storm', JSON.stringify(atEnd))
  await Promise.all(clients)
  console.log('rounds', JSON.stringify(rounds))
  // The server's own timeouts (hello 10 s, close 1 s, refusal deadline 5 s) and the
  // sessions' ttl have run by now.
  await new Promise((resolve) => setTimeout(resolve, 12_000 + Number(values.ttl)))
  const after = await ask()
  console.log('after', JSON.stringify(after))
  console.log(
    `RSS ${before.rssMiB} → ${after.rssMiB} MiB; TCP sockets held ${before.tcpSockets} → ${after.tcpSockets}; ` +
      `ws clients ${before.wsClients} → ${after.wsClients}; sessions ${before.sessions} → ${after.sessions}`,
  )
  child.kill()
}

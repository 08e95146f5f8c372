/**
 * The server of the storm runs (B8), in its own process. Driven over IPC:
 *
 *   { cmd: 'listen', port, admission? }  →  { listening: port, at }
 *       a `ws` server with the heartbeat companion; with `admission` ({ perSecond }),
 *       handshakes are gated by heartline/server's admission().
 *   { cmd: 'drain', window }  →  { drained: DrainResult, at }
 *       heartline/server's drain() over every client, then the listener is closed.
 *   { cmd: 'close-all', code }  →  { drained, at }
 *       what a restart does without drain: every client closed with `code`, no hint.
 *   { cmd: 'stats' }  →  { upgrades, accepted, received }
 *       wall-clock times of every handshake the server processed (HTTP `upgrade`
 *       events, refused ones included) and of every accepted connection, and the
 *       distinct ids of the `msg:<id>` messages received.
 */
import { WebSocketServer } from 'ws'
import { admission, attachHeartbeat, drain } from '../src/server/index.js'

const now = () => performance.timeOrigin + performance.now()

let wss: WebSocketServer | undefined
const upgrades: number[] = []
const accepted: number[] = []
const received = new Set<number>()

interface Message {
  cmd: 'listen' | 'drain' | 'close-all' | 'stats'
  port?: number
  admission?: { perSecond: number; refuse?: 'close' | 'http' }
  window?: number
  code?: number
}

function listen(port: number, gate?: Message['admission'], tries = 400): void {
  const server = new WebSocketServer({ host: '127.0.0.1', port })
  // The old process may not have released the port yet: try again shortly.
  server.once('error', (error: NodeJS.ErrnoException) => {
    if (error.code !== 'EADDRINUSE' || tries === 0) throw error
    setTimeout(() => listen(port, gate, tries - 1), 5)
  })
  wss = server
  if (gate) admission(server, gate)
  // Prepended, so a handshake is counted before anything (the gate included) sees it.
  server.once('listening', () => {
    const address = server.address()
    const http = (server as unknown as { _server: NodeJS.EventEmitter })._server
    http.prependListener('upgrade', () => upgrades.push(now()))
    process.send?.({
      listening: typeof address === 'object' && address ? address.port : 0,
      at: now(),
    })
  })
  server.on('connection', (socket) => {
    accepted.push(now())
    socket.on('error', () => undefined)
    socket.on('message', (data) => {
      const text = String(data)
      if (text.startsWith('msg:')) received.add(Number(text.slice(4)))
    })
  })
  attachHeartbeat(server, { sweepInterval: 0 })
}

/**
 * A drained server closes its listener, so the replacement can bind before this
 * process has exited. Not its callback, which waits for every connection to end
 * (clients that came back meanwhile may still be connected).
 */
function stopListening(): Promise<void> {
  wss?.close()
  return new Promise((resolve) => setImmediate(resolve))
}

process.on('message', async (message: Message) => {
  if (message.cmd === 'listen') listen(message.port ?? 0, message.admission)
  else if (message.cmd === 'drain' && wss) {
    const at = now()
    const drained = await drain(wss, { window: message.window ?? 10_000 })
    await stopListening()
    process.send?.({ drained, at })
  } else if (message.cmd === 'close-all' && wss) {
    const at = now()
    const clients = [...wss.clients]
    await Promise.all(
      clients.map(
        (c) =>
          new Promise<void>((resolve) => {
            c.once('close', () => resolve())
            c.close(message.code ?? 1012, 'service restart')
          }),
      ),
    )
    await stopListening()
    process.send?.({ drained: { clients: clients.length, terminated: 0 }, at })
  } else if (message.cmd === 'stats') {
    process.send?.({ upgrades, accepted, received: [...received] })
  }
})
process.on('disconnect', () => process.exit(0))
process.send?.({ ready: true })

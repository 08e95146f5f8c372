/**
 * The Node demo: an embedded `ws` server and one heartline connection, printing
 * every transition as it happens. It walks through a handshake, heartbeats, a
 * link that goes silent (detected by the heartbeat), a dropped TCP connection and
 * a final close, in about ten seconds.
 */
import WebSocket, { WebSocketServer } from 'ws'
import { createConnection } from '../src/index.js'

const started = Date.now()
const stamp = () => `${String(Date.now() - started).padStart(5)} ms`
let silent = false

const server = new WebSocketServer({ host: '127.0.0.1', port: 0 })
server.on('connection', (socket) => {
  socket.on('message', (data) => {
    if (silent) return
    const text = data.toString()
    socket.send(text === 'ping' ? 'pong' : `echo: ${text}`)
  })
})
await new Promise<void>((resolve) => server.once('listening', resolve))
const { port } = server.address() as { port: number }
const url = `ws://127.0.0.1:${port}/demo`
console.log(`${stamp()}  demo server on ${url}`)

const conn = createConnection(url, {
  WebSocket,
  heartbeat: { interval: 1000, timeout: 1000 },
  reconnect: { initialDelay: 500, maxDelay: 4000 },
  closeTimeout: 500,
})
// `e.event` names the cause (docs/statechange.md): `timer.reconnect`, `socket.open`…
conn.addEventListener('statechange', (e) => {
  console.log(`${stamp()}  ${e.from.padEnd(18)} → ${e.to.padEnd(18)} (${e.event})`)
})
conn.onopen = () => {
  console.log(`${stamp()}  open: sending "hello"`)
  conn.send('hello')
}
conn.onmessage = (e) => console.log(`${stamp()}  message: ${String(e.data)}`)
conn.onclose = (e) =>
  console.log(
    `${stamp()}  close ${e.code} (${e.cause}${e.reason ? `, "${e.reason}"` : ''}), reconnect: ${e.willReconnect}`,
  )

const at = (ms: number, what: string, fn: () => void) =>
  setTimeout(() => {
    console.log(`${stamp()}  --- ${what}`)
    fn()
  }, ms)

at(3500, 'the server goes silent (a frozen peer: no data, no close)', () => {
  silent = true
})
at(6500, 'the server answers again', () => {
  silent = false
})
at(8000, 'the server drops the TCP connection', () => {
  for (const client of server.clients) client.terminate()
})
at(10_500, 'the application closes the connection', () => conn.close(1000, 'demo over'))
at(11_000, 'done', () => {
  server.close()
})

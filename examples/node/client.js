// A Node client: `node examples/node/client.js ws://127.0.0.1:8080`.
// Node 20 has no global WebSocket, so `ws` provides it (Node 22+ could omit it).
import { createConnection } from 'heartline'
import WebSocket from 'ws'

/**
 * Connects, exchanges a message, freezes the server's end to show dead-link
 * detection and the reconnect, then closes. Resolves with the transitions seen.
 */
export async function runClient(url, { interval = 500, timeout = 500 } = {}) {
  const conn = createConnection(url, {
    WebSocket,
    heartbeat: { interval, timeout },
    reconnect: { initialDelay: 200 },
  })
  const transitions = []
  const started = Date.now()
  conn.addEventListener('statechange', (e) => {
    transitions.push(`${e.from} → ${e.to}`)
    console.log(`[client] +${Date.now() - started} ms  ${e.from} → ${e.to}`)
  })
  conn.addEventListener('message', (e) => console.log(`[client] message: ${e.data}`))
  conn.addEventListener('close', (e) =>
    console.log(`[client] socket ended: ${e.cause}, reconnect: ${e.willReconnect}`),
  )
  const reached = (state) =>
    new Promise((resolve) => {
      const off = conn.subscribe((e) => {
        if (e.to === state) {
          off()
          resolve()
        }
      })
    })

  conn.send('hello') // queued until open, then sent
  await reached('open')
  await new Promise((resolve) => conn.addEventListener('message', resolve))
  conn.send('freeze')
  await reached('closing') // heartbeat timeout: the link is declared dead
  await reached('open') // a new socket
  conn.send('hello again')
  await new Promise((resolve) => conn.addEventListener('message', resolve))
  conn.close()
  await reached('closed')
  return transitions
}

if (process.argv[1] === new URL(import.meta.url).pathname) {
  const url = process.argv[2] ?? 'ws://127.0.0.1:8080'
  await runClient(url)
}

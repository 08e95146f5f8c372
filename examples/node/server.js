// The server half: a `ws` server with heartline/server's heartbeat and an echo.
// `node examples/node/server.js` listens on PORT (default 8080); `pair.js` starts it too.
import { attachHeartbeat } from 'heartline/server'
import { WebSocketServer } from 'ws'

export async function startServer(port = 8080) {
  const wss = new WebSocketServer({ host: '127.0.0.1', port })
  await new Promise((resolve) => wss.once('listening', resolve))
  // Answers the client's app-level 'ping' with 'pong', and terminates clients
  // that stop answering protocol-level pings (checked every 10 s here).
  const detach = attachHeartbeat(wss, { sweepInterval: 10_000 })
  wss.on('connection', (socket, request) => {
    console.log(`[server] client connected from ${request.socket.remoteAddress}`)
    socket.on('message', (data) => {
      const text = String(data)
      if (text === 'ping') return // answered by attachHeartbeat
      if (text === 'freeze') {
        console.log('[server] freezing this socket (no more reads, no pongs)')
        socket.pause()
        return
      }
      socket.send(`echo: ${text}`)
    })
    socket.on('close', (code) => console.log(`[server] client gone (${code})`))
  })
  const url = `ws://127.0.0.1:${wss.address().port}`
  const stop = () =>
    new Promise((resolve) => {
      detach()
      for (const client of wss.clients) client.terminate()
      wss.close(() => resolve())
    })
  return { url, stop }
}

if (process.argv[1] === new URL(import.meta.url).pathname) {
  const { url, stop } = await startServer(Number(process.env.PORT ?? 8080))
  console.log(`[server] listening on ${url}`)
  process.on('SIGINT', () => stop().then(() => process.exit(0)))
}

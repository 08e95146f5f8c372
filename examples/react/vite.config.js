// `npm run example:react`: the Vite dev server, with a demo WebSocket endpoint at
// /ws on the same port (echo, heartline/server's heartbeat, and 'freeze').
import react from '@vitejs/plugin-react'
import { attachHeartbeat } from 'heartline/server'
import { defineConfig } from 'vite'
import { WebSocketServer } from 'ws'

function demoSocket() {
  return {
    name: 'heartline-demo-socket',
    configureServer(server) {
      const wss = new WebSocketServer({ noServer: true })
      const detach = attachHeartbeat(wss)
      wss.on('connection', (socket) => {
        socket.on('message', (data) => {
          const text = String(data)
          if (text === 'ping') return // answered by attachHeartbeat
          if (text === 'freeze') return void socket.pause()
          socket.send(`echo: ${text}`)
        })
      })
      // Vite's own HMR socket uses the same server; only /ws is ours.
      server.httpServer?.on('upgrade', (request, socket, head) => {
        if (new URL(request.url, 'http://localhost').pathname !== '/ws') return
        wss.handleUpgrade(request, socket, head, (ws) => wss.emit('connection', ws, request))
      })
      server.httpServer?.on('close', () => {
        detach()
        for (const client of wss.clients) client.terminate()
        wss.close()
      })
    },
  }
}

export default defineConfig({
  root: import.meta.dirname,
  cacheDir: '../../node_modules/.vite/examples-react',
  plugins: [react(), demoSocket()],
})

// The plain-page example: `npm run example:browser`, then open the printed URL.
// Serves index.html and main.js (bundled with esbuild against the built package)
// and a WebSocket endpoint at /ws that echoes and answers heartline's pings.
import { readFile } from 'node:fs/promises'
import { createServer } from 'node:http'
import { fileURLToPath } from 'node:url'
import { build } from 'esbuild'
import { attachHeartbeat } from 'heartline/server'
import { WebSocketServer } from 'ws'

const here = (file) => fileURLToPath(new URL(file, import.meta.url))

const bundled = await build({
  entryPoints: [here('main.js')],
  bundle: true,
  format: 'esm',
  platform: 'browser',
  write: false,
})
const script = bundled.outputFiles[0].text
const page = await readFile(here('index.html'), 'utf8')

const server = createServer((request, response) => {
  const path = new URL(request.url ?? '/', 'http://localhost').pathname
  if (path === '/') {
    response.writeHead(200, { 'content-type': 'text/html; charset=utf-8' }).end(page)
  } else if (path === '/main.js') {
    response.writeHead(200, { 'content-type': 'text/javascript; charset=utf-8' }).end(script)
  } else {
    response.writeHead(404).end('not found')
  }
})

const wss = new WebSocketServer({ server, path: '/ws' })
attachHeartbeat(wss)
wss.on('connection', (socket) => {
  socket.on('message', (data) => {
    const text = String(data)
    if (text === 'ping') return // answered by attachHeartbeat
    if (text === 'freeze') {
      socket.pause() // stop reading: no more pongs, no echo, like a dead link
      return
    }
    socket.send(`echo: ${text}`)
  })
})

const port = Number(process.env.PORT ?? 8080)
server.listen(port, '127.0.0.1', () => {
  const { port: actual } = server.address()
  console.log(`heartline browser example: http://127.0.0.1:${actual}/`)
})

const stop = () => {
  for (const client of wss.clients) client.terminate()
  wss.close()
  server.close()
}
process.on('SIGINT', stop)
process.on('SIGTERM', stop)

// A real `ws` server in its own process, so a test can freeze it (SIGSTOP), thaw it
// (SIGCONT) and kill it (SIGKILL) like a crashed or stalled peer. It reports on
// stdout, one JSON object a line: `listening` (with the port), every `connection`,
// every `message` it receives (in arrival order) and every `close`. It answers the
// text "ping" with "pong". Commands arrive on stdin, one JSON object a line.
//
// Usage: node ws-server.mjs [port]
import { createInterface } from 'node:readline'
import { WebSocketServer } from 'ws'

const port = Number(process.argv[2] ?? 0)
const report = (record) => process.stdout.write(`${JSON.stringify(record)}\n`)

let nextId = 1
/** `stream`: when set, every client gets a numbered message this often (ms). */
let streamEvery = 0
const wss = new WebSocketServer({ host: '127.0.0.1', port })
wss.on('listening', () => report({ type: 'listening', port: wss.address().port }))
// A port taken meanwhile (a restart on the previous run's port): say so at once
// and exit, so the parent can try again instead of waiting for a listening line.
wss.on('error', (error) => {
  report({ type: 'listen-failed', code: error.code, reason: error.message })
  process.exit(1)
})
wss.on('connection', (ws) => {
  const id = nextId++
  report({ type: 'connection', id })
  let tick = 0
  const timer = streamEvery > 0 ? setInterval(() => ws.send(`tick ${tick++}`), streamEvery) : null
  ws.on('message', (data, isBinary) => {
    const text = isBinary ? `<binary ${data.length}>` : data.toString()
    if (text === 'ping') {
      ws.send('pong')
      return
    }
    report({ type: 'message', id, data: text })
  })
  ws.on('close', (code, reason) => {
    if (timer) clearInterval(timer)
    report({ type: 'close', id, code, reason: reason.toString() })
  })
  ws.on('error', () => undefined)
})

const commands = createInterface({ input: process.stdin })
// The test that started this server is gone: never outlive it.
commands.on('close', () => process.exit(0))
commands.on('line', (line) => {
  const command = JSON.parse(line)
  switch (command.cmd) {
    case 'close':
      for (const ws of wss.clients) ws.close(command.code, command.reason ?? '')
      break
    case 'stream':
      streamEvery = command.every
      break
    case 'exit':
      wss.close()
      process.exit(0)
  }
  report({ type: 'done', cmd: command.cmd })
})

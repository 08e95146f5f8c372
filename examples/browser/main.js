// Bundled by server.js with esbuild: `heartline` resolves to this package's build.
import { createConnection } from 'heartline'

const params = new URLSearchParams(location.search)
const stateEl = document.getElementById('state')
const logEl = document.getElementById('log')
const log = (line) => {
  logEl.textContent += `${new Date().toISOString().slice(11, 23)}  ${line}\n`
}

const conn = createConnection(`ws://${location.host}/ws`, {
  // Short timings so the demo shows detection quickly; the defaults are 15 s and 10 s.
  heartbeat: {
    interval: Number(params.get('interval') ?? 2000),
    timeout: Number(params.get('timeout') ?? 2000),
  },
  reconnect: { initialDelay: 500 },
})

stateEl.textContent = conn.state
conn.addEventListener('statechange', (e) => {
  stateEl.textContent = e.to
  log(`${e.from} → ${e.to}`)
})
conn.addEventListener('message', (e) => log(`message: ${e.data}`))
conn.addEventListener('drop', (e) => log(`dropped (${e.reason}): ${e.data}`))

document.getElementById('send').addEventListener('submit', (event) => {
  event.preventDefault()
  conn.send(document.getElementById('text').value)
})
document.getElementById('freeze').addEventListener('click', () => conn.send('freeze'))

// For the smoke test and for poking at it from the console.
window.heartline = conn

/**
 * `npm start`: the demo server and the inspector page, on loopback.
 *
 *   npm start -- --port 5173 --ws-port 5174 --host 127.0.0.1
 */
import { parseArgs } from 'node:util'
import { startInspector } from './server.js'

const usage = `Usage: npm start -- [--port N] [--ws-port N] [--host ADDRESS] [--verbose]

  --port      the inspector page (and its /control, /attach endpoints)   default 5173
  --ws-port   the demo WebSocket server, behind the fault proxy           default 5174
  --host      the interface to bind; anything but loopback exposes the
              fault controls to the network                               default 127.0.0.1
  --verbose   log every fault and handshake`

function port(name: string, value: string | undefined, fallback: number): number {
  if (value === undefined) return fallback
  const n = Number(value)
  if (!Number.isInteger(n) || n < 0 || n > 65535) {
    console.error(
      `--${name} must be a port number 0–65535; got ${JSON.stringify(value)}.\n\n${usage}`,
    )
    process.exit(2)
  }
  return n
}

let args: ReturnType<typeof parse>
function parse() {
  return parseArgs({
    options: {
      port: { type: 'string' },
      'ws-port': { type: 'string' },
      host: { type: 'string' },
      verbose: { type: 'boolean' },
      help: { type: 'boolean', short: 'h' },
    },
  }).values
}
try {
  args = parse()
} catch (error) {
  console.error(`${(error as Error).message}\n\n${usage}`)
  process.exit(2)
}
if (args.help) {
  console.log(usage)
  process.exit(0)
}

const host = args.host ?? '127.0.0.1'
if (host !== '127.0.0.1' && host !== 'localhost' && host !== '::1') {
  console.warn(`warning: binding to ${host}: the fault controls are reachable from the network.`)
}

try {
  const server = await startInspector({
    host,
    port: port('port', args.port, 5173),
    wsPort: port('ws-port', args['ws-port'], 5174),
    verbose: args.verbose === true,
  })
  console.log(`heartline inspector

  page         ${server.url}
  demo server  ${server.wsUrl}   (ws + heartline/server, behind the fault proxy)
  resumable    ${server.resumeUrl}   (acceptSessions; the page's "resume" switch, ?resume=1)
  attach       inspectorBridge('${server.attachUrl}')

Ctrl-C to stop.`)
  const stop = () => {
    server.close().then(() => process.exit(0))
  }
  process.on('SIGINT', stop)
  process.on('SIGTERM', stop)
} catch (error) {
  const e = error as NodeJS.ErrnoException
  if (e.code === 'EADDRINUSE') {
    console.error(
      `Port in use (${e.message}). Pick others: npm start -- --port 6173 --ws-port 6174`,
    )
  } else {
    console.error(e)
  }
  process.exit(1)
}

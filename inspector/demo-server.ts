/**
 * The inspector's demo server: a real `ws` server with `heartline/server`
 * attached (`/demo`; `/demo-resume` is served by `acceptSessions`), behind a TCP
 * proxy that can black-hole, drop or refuse connections. The upgrade request and
 * the 101 response of every handshake are captured for the page.
 */
import { createServer as createHttpServer, type IncomingMessage } from 'node:http'
import type { Duplex } from 'node:stream'
import { type WebSocket, WebSocketServer } from 'ws'
import { acceptSessions, attachHeartbeat, memoryStore } from '../src/server/index.js'
import { FaultProxy } from './fault-proxy.js'
import {
  type FaultCommand,
  type Faults,
  type HandshakeCapture,
  HEALTHY,
  type ServerMessage,
} from './protocol.js'
import { type FaultControls, listen, onText, pathOf, shutDown } from './server-parts.js'

/** The demo server's resumable endpoint (heartline/resume on the page). */
export const RESUME_PATH = '/demo-resume'

const REASONS: Record<number, string> = { 401: 'Unauthorized', 503: 'Service Unavailable' }

function headerPairs(raw: string[]): [string, string][] {
  const pairs: [string, string][] = []
  for (let i = 0; i + 1 < raw.length; i += 2) pairs.push([raw[i] as string, raw[i + 1] as string])
  return pairs
}

export interface DemoServer extends FaultControls {
  /** The public (proxied) WebSocket port. */
  port: number
}

export interface DemoEvents {
  /** A message for every page (a handshake, a fault error). */
  message(message: ServerMessage): void
  /** The fault state changed. */
  status(): void
}

export async function startDemoServer(
  options: { host: string; port: number; log: (line: string) => void },
  events: DemoEvents,
): Promise<DemoServer> {
  const { host, log } = options
  const faults: Faults = { ...HEALTHY }
  const handshakes: HandshakeCapture[] = []
  let handshakeId = 0
  /** Keeps the last 20 handshakes and tells every page. */
  function captured(capture: HandshakeCapture, line: string) {
    handshakes.push(capture)
    if (handshakes.length > 20) handshakes.shift()
    events.message({ type: 'handshake', handshake: capture })
    log(`handshake #${capture.id} ${line}`)
  }

  // ---- the demo WebSocket server (behind the proxy) -------------------------
  const backend = createHttpServer((_req, res) => {
    res.writeHead(426, { 'content-type': 'text/plain' }).end('WebSocket only\n')
  })
  const wss = new WebSocketServer({ noServer: true })
  const pendingRequests = new WeakMap<IncomingMessage, HandshakeCapture['request']>()
  let detachHeartbeat = attachHeartbeat(wss, { sweepInterval: 10_000 })

  wss.on('headers', (headers, req) => {
    const request = pendingRequests.get(req)
    if (!request) return
    const [line = '', ...rest] = headers
    const capture: HandshakeCapture = {
      id: ++handshakeId,
      at: Date.now(),
      request,
      response: {
        line,
        headers: rest.map((h): [string, string] => {
          const colon = h.indexOf(':')
          return [h.slice(0, colon), h.slice(colon + 1).trim()]
        }),
      },
    }
    captured(capture, request.line)
  })
  wss.on('connection', (socket: WebSocket) => {
    // Pings belong to attachHeartbeat (or go unanswered while `silentPings`).
    onText(socket, (text) => {
      if (socket.readyState === 1) socket.send(`echo: ${text}`)
    })
  })
  // The resume endpoint: sessions outlive sockets, so an echo sent while the
  // link is down is kept and replayed. acceptSessions answers the heartbeat itself.
  const resumeWss = new WebSocketServer({ noServer: true })
  const sessions = acceptSessions(resumeWss, { store: memoryStore(), sweepInterval: 10_000 })
  sessions.on('session', (session) => {
    session.on('message', (data) => {
      void session.send(`echo: ${data.toString()}`)
    })
  })
  sessions.on('error', (error) => log(`resume store error: ${(error as Error).message}`))
  resumeWss.on('headers', (headers, req) => wss.emit('headers', headers, req))
  backend.on('upgrade', (req: IncomingMessage, socket: Duplex, head: Buffer) => {
    const request = {
      line: `${req.method} ${req.url} HTTP/${req.httpVersion}`,
      headers: headerPairs(req.rawHeaders),
    }
    socket.on('error', () => undefined)
    if (faults.refuse !== 0) {
      const status = faults.refuse
      const body = `${status} ${REASONS[status]}: refused by the inspector's fault controls\n`
      const responseLine = `HTTP/1.1 ${status} ${REASONS[status]}`
      const responseHeaders: [string, string][] = [
        ['Connection', 'close'],
        ['Content-Type', 'text/plain'],
        ['Content-Length', String(Buffer.byteLength(body))],
      ]
      socket.end(
        `${responseLine}\r\n${responseHeaders.map(([k, v]) => `${k}: ${v}`).join('\r\n')}\r\n\r\n${body}`,
      )
      const capture: HandshakeCapture = {
        id: ++handshakeId,
        at: Date.now(),
        request,
        response: { line: responseLine, headers: responseHeaders },
      }
      captured(capture, `refused with ${status}`)
      return
    }
    pendingRequests.set(req, request)
    const target = pathOf(req) === RESUME_PATH ? resumeWss : wss
    target.handleUpgrade(req, socket, head, (ws) => target.emit('connection', ws, req))
  })
  const backendPort = await listen(backend, 0, '127.0.0.1')

  // ---- the fault proxy: the public WebSocket port ---------------------------
  const proxy = await FaultProxy.start(backendPort, {
    host,
    port: options.port,
    keepClosed: false,
  })
  const wsPort = proxy.port

  function apply(command: FaultCommand): string | null {
    switch (command?.type) {
      case 'silent-pings':
        if (command.on && !faults.silentPings) detachHeartbeat()
        if (!command.on && faults.silentPings) {
          detachHeartbeat = attachHeartbeat(wss, { sweepInterval: 10_000 })
        }
        faults.silentPings = command.on === true
        break
      case 'freeze':
        faults.frozen = command.on === true
        // Thawed, a link whose other side ended in the dark ends too.
        proxy.setMode(faults.frozen ? 'black-hole' : 'pass')
        break
      case 'drop':
        proxy.setMode('reset', 'existing')
        break
      case 'close': {
        const code = Number(command.code)
        const reason = String(command.reason ?? '')
        try {
          for (const client of [...wss.clients, ...resumeWss.clients]) client.close(code, reason)
        } catch (error) {
          return `close(${code}, ${JSON.stringify(reason)}) refused by the server: ${(error as Error).message}`
        }
        break
      }
      case 'refuse':
        if (command.status !== 0 && command.status !== 401 && command.status !== 503) {
          return `refuse: status must be 0, 401 or 503; got ${JSON.stringify(command.status)}`
        }
        faults.refuse = command.status
        break
      case 'down':
        if (command.on && !faults.down) {
          faults.down = true
          proxy.down()
        } else if (!command.on && faults.down) {
          faults.down = false
          proxy.up().catch((error: Error) => {
            events.message({
              type: 'fault-error',
              message: `could not listen again: ${error.message}`,
            })
          })
        }
        break
      case 'reset':
        apply({ type: 'silent-pings', on: false })
        apply({ type: 'freeze', on: false })
        apply({ type: 'refuse', status: 0 })
        apply({ type: 'down', on: false })
        break
      default:
        return `unknown fault command ${JSON.stringify(command)}`
    }
    log(`fault ${JSON.stringify(command)} → ${JSON.stringify(faults)}`)
    events.status()
    return null
  }

  return {
    port: wsPort,
    faults: () => ({ ...faults }),
    handshakes: () => [...handshakes],
    apply,
    async close() {
      detachHeartbeat()
      sessions.close()
      await shutDown(backend, [wss, resumeWss], () => [proxy.close()])
    },
  }
}

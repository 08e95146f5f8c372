/**
 * The inspector's server: the page (served by whoever starts it: Vite's dev
 * server for `npm start`, the prebuilt files for `heartline inspect`) and two
 * control endpoints on the page's port, plus, with `demo`, a real `ws` server with
 * `heartline/server` attached, behind a TCP proxy that can black-hole, drop or
 * refuse connections:
 *
 * - `/control`: the page's channel. It sends fault commands; the server pushes
 *   the fault state, every captured handshake and the attached apps' records.
 * - `/attach`: where `inspectorBridge()` streams another app's inspection records.
 *
 * Everything binds to 127.0.0.1 unless told otherwise: the fault controls must
 * not be reachable from the network.
 */
import {
  createServer as createHttpServer,
  type IncomingMessage,
  type Server,
  type ServerResponse,
} from 'node:http'
import { WebSocketServer } from 'ws'
import { attachHeartbeat } from '../src/server/index.js'
import { RESUME_PATH, startDemoServer } from './demo-server.js'
import { type FaultCommand, HEALTHY, type ServerMessage } from './protocol.js'
import { type FaultControls, listen, onText, pathOf, shutDown } from './server-parts.js'

export interface InspectorServerOptions {
  /** Interface for every listener. @default '127.0.0.1' */
  host?: string
  /** The page's port (and /control, /attach). 0 picks a free one. @default 5173 */
  port?: number
  /** The demo WebSocket server's port. 0 picks a free one. @default 5174 */
  wsPort?: number
  /** Log a line per fault and per handshake. @default false */
  verbose?: boolean
  /**
   * Run the demo server (and its fault proxy) the page's own connection talks to.
   * Without it the page shows attached apps only. @default true
   */
  demo?: boolean
  /** Serves the page on the page's HTTP server. */
  page: PageFactory
}

/** What serves the page: a request handler (`next()` when it has no such file) and its end. */
export interface PageHandler {
  handle(req: IncomingMessage, res: ServerResponse, next: () => void): void
  close(): Promise<void>
}

/** Made once the page's HTTP server exists (Vite's live reload shares its port). */
export type PageFactory = (server: Server) => Promise<PageHandler>

export type { FaultCommand, Faults, HandshakeCapture } from './protocol.js'

export interface InspectorServer extends FaultControls {
  /** The page. */
  url: string
  /** The demo WebSocket server (through the fault proxy); '' without `demo`. */
  wsUrl: string
  /** The same server's resumable endpoint (`acceptSessions`), through the same proxy; '' without `demo`. */
  resumeUrl: string
  /** Where `inspectorBridge()` connects. */
  attachUrl: string
}

export async function serveInspector(options: InspectorServerOptions): Promise<InspectorServer> {
  const host = options.host ?? '127.0.0.1'
  const log = options.verbose ? (line: string) => console.log(`  ${line}`) : () => undefined
  const demo =
    options.demo === false
      ? null
      : await startDemoServer(
          { host, port: options.wsPort ?? 5174, log },
          { message: (message) => broadcast(message), status: () => broadcast(status()) },
        )

  // ---- the page, /control and /attach ---------------------------------------
  const page = createHttpServer((req, res) => {
    if (!pageHandler) {
      res.writeHead(503).end()
      return
    }
    pageHandler.handle(req, res, () => {
      res.writeHead(404, { 'content-type': 'text/plain' }).end('not found\n')
    })
  })
  let pageHandler: PageHandler | null = null
  const control = new WebSocketServer({ noServer: true, maxPayload: 64 * 1024 })
  const attach = new WebSocketServer({ noServer: true, maxPayload: 1024 * 1024 })
  attachHeartbeat(attach, { sweepInterval: 0 })

  try {
    pageHandler = await options.page(page)
  } catch (error) {
    await demo?.close()
    throw error
  }
  let pagePort: number
  try {
    pagePort = await listen(page, options.port ?? 5173, host)
  } catch (error) {
    await Promise.all([demo?.close(), pageHandler.close()])
    throw error
  }
  const urlHost = host.includes(':') ? `[${host}]` : host
  const pageOrigin = `http://${urlHost}:${pagePort}`
  const wsUrl = demo ? `ws://${urlHost}:${demo.port}/demo` : ''
  const resumeUrl = demo ? `ws://${urlHost}:${demo.port}${RESUME_PATH}` : ''
  const attachUrl = `ws://${urlHost}:${pagePort}/attach`

  /** A browser sends its page's Origin: only this page (by any loopback name) may drive faults. */
  const sameSite = (origin: string | undefined): boolean => {
    if (origin === undefined) return true // not a browser: a local script
    try {
      const o = new URL(origin)
      const names = new Set([host, urlHost, '127.0.0.1', 'localhost', '[::1]'])
      return o.port === String(pagePort) && names.has(o.hostname)
    } catch {
      return false
    }
  }

  page.on('upgrade', (req, socket, head) => {
    const path = pathOf(req)
    socket.on('error', () => undefined)
    if (path === '/control') {
      // Only the page itself may drive the faults (a browser sends its Origin).
      if (!sameSite(req.headers.origin)) {
        socket.end('HTTP/1.1 403 Forbidden\r\nConnection: close\r\n\r\n')
        return
      }
      control.handleUpgrade(req, socket, head, (ws) => control.emit('connection', ws, req))
    } else if (path === '/attach') {
      attach.handleUpgrade(req, socket, head, (ws) => attach.emit('connection', ws, req))
    }
    // Anything else is the page's (Vite's live-reload socket has its own upgrade listener).
  })

  /** What attached apps sent, kept so a page opened later sees them too. */
  const bridges = new Map<string, { hello: unknown; records: unknown[]; live: boolean }>()

  function broadcast(message: unknown) {
    const text = JSON.stringify(message)
    for (const client of control.clients) if (client.readyState === 1) client.send(text)
  }
  const status = (): ServerMessage => ({
    type: 'status',
    demo: demo !== null,
    faults: demo?.faults() ?? { ...HEALTHY },
    wsUrl,
    resumeUrl,
    attachUrl,
  })

  control.on('connection', (ws) => {
    ws.on('error', () => undefined)
    ws.send(JSON.stringify(status()))
    for (const handshake of demo?.handshakes() ?? [])
      ws.send(JSON.stringify({ type: 'handshake', handshake }))
    for (const [id, b] of bridges) {
      ws.send(JSON.stringify({ type: 'attach-hello', bridge: id, hello: b.hello, live: b.live }))
      for (const record of b.records)
        ws.send(JSON.stringify({ type: 'attach-record', bridge: id, record }))
      if (!b.live) ws.send(JSON.stringify({ type: 'attach-end', bridge: id }))
    }
    ws.on('message', (data) => {
      let command: FaultCommand
      try {
        command = JSON.parse(data.toString()) as FaultCommand
      } catch {
        ws.send(JSON.stringify({ type: 'fault-error', message: 'not JSON' }))
        return
      }
      const error = apply(command)
      if (error !== null) ws.send(JSON.stringify({ type: 'fault-error', message: error }))
    })
  })

  attach.on('connection', (ws) => {
    const mine = new Set<string>()
    onText(ws, (text) => {
      let message: { kind?: unknown; bridge?: unknown; record?: unknown }
      try {
        message = JSON.parse(text)
      } catch {
        return
      }
      if (typeof message !== 'object' || message === null || typeof message.bridge !== 'string') {
        return
      }
      const id = message.bridge.slice(0, 40)
      if (message.kind === 'hello') {
        mine.add(id)
        const entry = bridges.get(id) ?? { hello: message, records: [], live: true }
        entry.hello = message
        entry.live = true
        bridges.set(id, entry)
        broadcast({ type: 'attach-hello', bridge: id, hello: message, live: true })
      } else if (message.kind === 'record' && mine.has(id)) {
        const entry = bridges.get(id)
        if (!entry) return
        entry.records.push(message.record)
        if (entry.records.length > 500) entry.records.shift()
        broadcast({ type: 'attach-record', bridge: id, record: message.record })
      }
    })
    ws.on('close', () => {
      for (const id of mine) {
        const entry = bridges.get(id)
        if (entry) entry.live = false
        broadcast({ type: 'attach-end', bridge: id })
      }
    })
  })

  function apply(command: FaultCommand): string | null {
    return demo ? demo.apply(command) : 'no demo server: start with --demo for the fault controls'
  }

  return {
    url: `${pageOrigin}/`,
    wsUrl,
    resumeUrl,
    attachUrl,
    faults: () => demo?.faults() ?? { ...HEALTHY },
    handshakes: () => demo?.handshakes() ?? [],
    apply,
    async close() {
      await shutDown(page, [control, attach], () => [demo?.close(), pageHandler?.close()])
    },
  }
}

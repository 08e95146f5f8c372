/**
 * The inspector's demo server: a real `ws` server with `heartline/server`
 * attached, behind a TCP proxy that can black-hole, drop or refuse connections,
 * plus the page (served by Vite) and two control endpoints on the page's port:
 *
 * - `/control`: the page's channel. It sends fault commands; the server pushes
 *   the fault state, every captured handshake and the attached apps' records.
 * - `/attach`: where `inspectorBridge()` streams another app's inspection records.
 *
 * Everything binds to 127.0.0.1 unless told otherwise: the fault controls must
 * not be reachable from the network.
 */
import { createServer as createHttpServer, type IncomingMessage, type Server } from 'node:http'
import { dirname, resolve } from 'node:path'
import type { Duplex } from 'node:stream'
import { fileURLToPath } from 'node:url'
import { createServer as createViteServer, type ViteDevServer } from 'vite'
import { type WebSocket, WebSocketServer } from 'ws'
import { acceptSessions, attachHeartbeat, memoryStore } from '../src/server/index.js'
import { FaultProxy } from './fault-proxy.js'
import { type FaultCommand, type Faults, type HandshakeCapture, HEALTHY } from './protocol.js'

const here = dirname(fileURLToPath(import.meta.url))

export interface InspectorServerOptions {
  /** Interface for every listener. @default '127.0.0.1' */
  host?: string
  /** The page's port (and /control, /attach). 0 picks a free one. @default 5173 */
  port?: number
  /** The demo WebSocket server's port. 0 picks a free one. @default 5174 */
  wsPort?: number
  /** Log a line per fault and per handshake. @default false */
  verbose?: boolean
}

export type { FaultCommand, Faults, HandshakeCapture } from './protocol.js'

export interface InspectorServer {
  /** The page. */
  url: string
  /** The demo WebSocket server (through the fault proxy). */
  wsUrl: string
  /** The same server's resumable endpoint (`acceptSessions`), through the same proxy. */
  resumeUrl: string
  /** Where `inspectorBridge()` connects. */
  attachUrl: string
  faults(): Faults
  /** The last 20 handshakes, oldest first. */
  handshakes(): HandshakeCapture[]
  apply(command: FaultCommand): string | null
  close(): Promise<void>
}

/** The demo server's resumable endpoint (heartline/resume on the page). */
const RESUME_PATH = '/demo-resume'

const REASONS: Record<number, string> = { 401: 'Unauthorized', 503: 'Service Unavailable' }

function headerPairs(raw: string[]): [string, string][] {
  const pairs: [string, string][] = []
  for (let i = 0; i + 1 < raw.length; i += 2) pairs.push([raw[i] as string, raw[i + 1] as string])
  return pairs
}

function listen(server: Server, port: number, host: string) {
  return new Promise<number>((resolvePort, reject) => {
    const onError = (error: Error) => reject(error)
    server.once('error', onError)
    server.listen(port, host, () => {
      server.off('error', onError)
      resolvePort((server.address() as { port: number }).port)
    })
  })
}

function closeServer(server: Server): Promise<void> {
  return new Promise((done) => {
    if (!server.listening) return done()
    server.close(() => done())
  })
}

export async function startInspector(
  options: InspectorServerOptions = {},
): Promise<InspectorServer> {
  const host = options.host ?? '127.0.0.1'
  const log = options.verbose ? (line: string) => console.log(`  ${line}`) : () => undefined
  const faults: Faults = { ...HEALTHY }
  const handshakes: HandshakeCapture[] = []
  let handshakeId = 0

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
    handshakes.push(capture)
    if (handshakes.length > 20) handshakes.shift()
    broadcast({ type: 'handshake', handshake: capture })
    log(`handshake #${capture.id} ${request.line}`)
  })
  wss.on('connection', (socket: WebSocket) => {
    socket.on('message', (data, isBinary) => {
      if (isBinary) return
      const text = data.toString()
      // Pings belong to attachHeartbeat (or go unanswered while `silentPings`).
      if (text === 'ping') return
      if (socket.readyState === 1) socket.send(`echo: ${text}`)
    })
    socket.on('error', () => undefined)
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
      handshakes.push(capture)
      if (handshakes.length > 20) handshakes.shift()
      broadcast({ type: 'handshake', handshake: capture })
      log(`handshake #${capture.id} refused with ${status}`)
      return
    }
    pendingRequests.set(req, request)
    const target = new URL(req.url ?? '/', 'http://x').pathname === RESUME_PATH ? resumeWss : wss
    target.handleUpgrade(req, socket, head, (ws) => target.emit('connection', ws, req))
  })
  const backendPort = await listen(backend, 0, '127.0.0.1')

  // ---- the fault proxy: the public WebSocket port ---------------------------
  const proxy = await FaultProxy.start(backendPort, {
    host,
    port: options.wsPort ?? 5174,
    keepClosed: false,
  })
  const wsPort = proxy.port

  // ---- the page, /control and /attach ---------------------------------------
  const page = createHttpServer((req, res) => {
    vite.middlewares(req, res, () => {
      res.writeHead(404).end()
    })
  })
  // Vite's live reload shares the page's port: edit machines/ and the page redraws.
  const vite: ViteDevServer = await createViteServer({
    root: here,
    configFile: false,
    logLevel: 'warn',
    clearScreen: false,
    appType: 'spa',
    server: {
      middlewareMode: true,
      hmr: { server: page },
      fs: { allow: [resolve(here, '..')] },
    },
    optimizeDeps: {
      include: ['xstate', 'xstate/graph', 'elkjs/lib/elk.bundled.js'],
    },
    // The package's `#dev` import points at the built files; the page runs the sources.
    resolve: { alias: { '#dev': resolve(here, '../src/dev.ts') } },
  })
  const control = new WebSocketServer({ noServer: true, maxPayload: 64 * 1024 })
  const attach = new WebSocketServer({ noServer: true, maxPayload: 1024 * 1024 })
  attachHeartbeat(attach, { sweepInterval: 0 })

  const pagePort = await listen(page, options.port ?? 5173, host)
  const urlHost = host.includes(':') ? `[${host}]` : host
  const pageOrigin = `http://${urlHost}:${pagePort}`
  const wsUrl = `ws://${urlHost}:${wsPort}/demo`
  const resumeUrl = `ws://${urlHost}:${wsPort}${RESUME_PATH}`
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
    const path = new URL(req.url ?? '/', 'http://x').pathname
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
    // Anything else is Vite's live-reload socket (its own upgrade listener).
  })

  /** What attached apps sent, kept so a page opened later sees them too. */
  const bridges = new Map<string, { hello: unknown; records: unknown[]; live: boolean }>()

  function broadcast(message: unknown) {
    const text = JSON.stringify(message)
    for (const client of control.clients) if (client.readyState === 1) client.send(text)
  }
  const status = () => ({ type: 'status', faults: { ...faults }, wsUrl, resumeUrl, attachUrl })

  control.on('connection', (ws) => {
    ws.on('error', () => undefined)
    ws.send(JSON.stringify(status()))
    for (const handshake of handshakes) ws.send(JSON.stringify({ type: 'handshake', handshake }))
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
    ws.on('error', () => undefined)
    const mine = new Set<string>()
    ws.on('message', (data, isBinary) => {
      if (isBinary) return
      const text = data.toString()
      if (text === 'ping') return
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
            broadcast({ type: 'fault-error', message: `could not listen again: ${error.message}` })
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
    broadcast(status())
    return null
  }

  return {
    url: `${pageOrigin}/`,
    wsUrl,
    resumeUrl,
    attachUrl,
    faults: () => ({ ...faults }),
    handshakes: () => [...handshakes],
    apply,
    async close() {
      detachHeartbeat()
      sessions.close()
      for (const client of [
        ...control.clients,
        ...attach.clients,
        ...wss.clients,
        ...resumeWss.clients,
      ]) {
        client.terminate()
      }
      resumeWss.close()
      control.close()
      attach.close()
      wss.close()
      page.closeAllConnections()
      backend.closeAllConnections()
      await Promise.all([closeServer(page), closeServer(backend), proxy.close(), vite.close()])
    },
  }
}

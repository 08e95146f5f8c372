/**
 * What the inspector's two servers share: demo-server.ts (the demo `ws` server
 * behind the fault proxy) and serve.ts (the page, /control, /attach). Promises
 * around `listen` and `close`, the fault controls' shape, the path of an upgrade,
 * the text frames of a socket, and the shut-down of an HTTP server with its
 * WebSocket servers.
 */
import type { IncomingMessage, Server } from 'node:http'
import type { WebSocket, WebSocketServer } from 'ws'
import type { FaultCommand, Faults, HandshakeCapture } from './protocol.js'

/** The fault controls, as the demo server has them and the inspector's server passes them on. */
export interface FaultControls {
  faults(): Faults
  /** The last 20 handshakes, oldest first. */
  handshakes(): HandshakeCapture[]
  /** Applies a fault command; returns an error message, or null. */
  apply(command: FaultCommand): string | null
  close(): Promise<void>
}

export function listen(server: Server, port: number, host: string) {
  return new Promise<number>((resolvePort, reject) => {
    const onError = (error: Error) => reject(error)
    server.once('error', onError)
    server.listen(port, host, () => {
      server.off('error', onError)
      resolvePort((server.address() as { port: number }).port)
    })
  })
}

export function closeServer(server: Server): Promise<void> {
  return new Promise((done) => {
    if (!server.listening) return done()
    server.close(() => done())
  })
}

/** The path of a request's URL, without its query. */
export function pathOf(req: IncomingMessage): string {
  return new URL(req.url ?? '/', 'http://x').pathname
}

/**
 * Calls `handle` with each text frame `ws` receives, but the heartbeat's `ping`
 * (answered by attachHeartbeat, or left unanswered on purpose); binary frames are
 * ignored. A socket error ends the socket and nothing else.
 */
export function onText(ws: WebSocket, handle: (text: string) => void): void {
  ws.on('error', () => undefined)
  ws.on('message', (data, isBinary) => {
    if (isBinary) return
    const text = data.toString()
    if (text === 'ping') return
    handle(text)
  })
}

/**
 * Ends `http` and the WebSocket servers it upgrades for: every client
 * terminated, each server closed, the open HTTP connections cut; resolves when
 * `http` and whatever `also()` then starts have closed.
 */
export async function shutDown(
  http: Server,
  sockets: WebSocketServer[],
  also: () => Array<Promise<unknown> | undefined>,
): Promise<void> {
  for (const socket of sockets) for (const client of socket.clients) client.terminate()
  for (const socket of sockets) socket.close()
  http.closeAllConnections()
  await Promise.all([closeServer(http), ...also()])
}

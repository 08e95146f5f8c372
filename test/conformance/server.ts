/**
 * The conformance server: one node:http server on 127.0.0.1:0 that serves the
 * test page (so relative WebSocket URLs resolve to it) and upgrades to a `ws`
 * server. Paths:
 *   /echo?id=I           echoes text as text and binary as binary; remembers the
 *                        close code and reason the client sent, under I
 *   /closed?id=I         sends `{"code","reason"}` seen for I (once it is known), then closes
 *   /server-close?code=C&reason=R   closes with C and R as soon as it opens
 *   /drop                destroys the TCP connection as soon as it opens (no close frame)
 * The first subprotocol offered is the one chosen.
 */
import { createServer, type Server } from 'node:http'
import type { AddressInfo } from 'node:net'
import { WebSocketServer } from 'ws'

export interface ConformanceServer {
  http: Server
  port: number
  close(): Promise<void>
}

export async function startConformanceServer(
  page: { html: string; js: string } | undefined = undefined,
): Promise<ConformanceServer> {
  const seen = new Map<string, { code: number; reason: string }>()
  const waiting = new Map<string, Array<(value: { code: number; reason: string }) => void>>()
  const remember = (id: string, value: { code: number; reason: string }) => {
    seen.set(id, value)
    for (const resolve of waiting.get(id) ?? []) resolve(value)
    waiting.delete(id)
  }
  const whenSeen = (id: string) =>
    new Promise<{ code: number; reason: string }>((resolve) => {
      const known = seen.get(id)
      if (known) resolve(known)
      else waiting.set(id, [...(waiting.get(id) ?? []), resolve])
    })

  const http = createServer((req, res) => {
    if (page && req.url === '/conformance.js') {
      res.writeHead(200, { 'content-type': 'text/javascript' })
      res.end(page.js)
      return
    }
    res.writeHead(200, { 'content-type': 'text/html' })
    res.end(page?.html ?? '')
  })
  const wss = new WebSocketServer({
    noServer: true,
    handleProtocols: (protocols) => protocols.values().next().value ?? false,
  })
  http.on('upgrade', (req, socket, head) => {
    // A connection that fails before the handshake, on a port that stays ours
    // (a closed or fixed port could be taken or open on some machine).
    if (req.url?.startsWith('/refused')) {
      socket.destroy()
      return
    }
    wss.handleUpgrade(req, socket, head, (ws) => {
      const url = new URL(req.url ?? '/', 'http://x')
      const id = url.searchParams.get('id')
      ws.on('error', () => undefined)
      switch (url.pathname) {
        case '/closed':
          void whenSeen(id ?? '').then((value) => {
            ws.send(JSON.stringify(value))
            ws.close()
          })
          return
        case '/server-close':
          ws.close(Number(url.searchParams.get('code')), url.searchParams.get('reason') ?? '')
          return
        case '/drop':
          ws.terminate()
          return
        default:
          ws.on('message', (data, isBinary) => ws.send(data, { binary: isBinary }))
          ws.on('close', (code, reason) => {
            if (id !== null) remember(id, { code, reason: reason.toString() })
          })
      }
    })
  })
  await new Promise<void>((resolve) => http.listen(0, '127.0.0.1', resolve))
  return {
    http,
    port: (http.address() as AddressInfo).port,
    close: () =>
      new Promise<void>((resolve) => {
        for (const client of wss.clients) client.terminate()
        wss.close()
        http.closeAllConnections()
        http.close(() => resolve())
      }),
  }
}

/**
 * An in-process HTTP server whose answer to each WebSocket upgrade is scripted:
 * refuse it with a status (401, 503…), never answer it (TCP and HTTP request up,
 * no response), complete the handshake and then send an invalid frame, accept and
 * close at once (a flapping server), or accept it into a real `ws` server that
 * records every message. Behaviours are taken from `script` in order; `otherwise` is
 * used once the script is empty.
 */
import { once } from 'node:events'
import http from 'node:http'
import type { AddressInfo, Socket } from 'node:net'
import { type WebSocket, WebSocketServer } from 'ws'
import { computeAccept } from '../../src/handshake.js'
import { waitFor } from './wait.js'

export type UpgradeBehaviour =
  | { refuse: number }
  | 'silent'
  | 'invalid-frame'
  | { acceptThenClose: number }
  | 'accept'

export class UpgradeServer {
  readonly script: UpgradeBehaviour[] = []
  otherwise: UpgradeBehaviour = 'accept'
  /** Text messages received by accepted sockets, in order. */
  readonly messages: string[] = []
  /** Close codes the server saw from the client on raw (invalid-frame) sockets. */
  readonly rawCloseCodes: number[] = []
  /** Upgrade requests seen, with the behaviour each got. */
  readonly upgrades: UpgradeBehaviour[] = []
  port = 0
  readonly #http = http.createServer((_req, res) => res.writeHead(426).end())
  readonly #wss = new WebSocketServer({ noServer: true })
  readonly #raw = new Set<Socket>()
  readonly #listeners = new Set<() => void>()

  static async start(): Promise<UpgradeServer> {
    const server = new UpgradeServer()
    server.#http.on('upgrade', (req, socket: Socket, head) => server.#upgrade(req, socket, head))
    server.#http.listen(0, '127.0.0.1')
    await once(server.#http, 'listening')
    server.port = (server.#http.address() as AddressInfo).port
    return server
  }

  get url(): string {
    return `ws://127.0.0.1:${this.port}`
  }

  get clients(): Set<WebSocket> {
    return this.#wss.clients
  }

  waitFor<T>(check: () => T | undefined | false, what: string, timeout = 10_000): Promise<T> {
    return waitFor(check, what, timeout, (wake) => {
      this.#listeners.add(wake)
      return () => this.#listeners.delete(wake)
    })
  }

  async close(): Promise<void> {
    for (const socket of this.#raw) socket.destroy()
    for (const ws of this.#wss.clients) ws.terminate()
    this.#wss.close()
    const closed = once(this.#http, 'close')
    this.#http.close()
    this.#http.closeAllConnections()
    await closed
  }

  #changed(): void {
    for (const listener of this.#listeners) listener()
  }

  #upgrade(req: http.IncomingMessage, socket: Socket, head: Buffer): void {
    const behaviour = this.script.shift() ?? this.otherwise
    this.upgrades.push(behaviour)
    socket.on('error', () => undefined)
    if (
      behaviour === 'accept' ||
      (typeof behaviour === 'object' && 'acceptThenClose' in behaviour)
    ) {
      this.#wss.handleUpgrade(req, socket, head, (ws) => {
        ws.on('error', () => undefined)
        ws.on('message', (data, isBinary) => {
          const text = isBinary ? '<binary>' : data.toString()
          if (text === 'ping') ws.send('pong')
          else this.messages.push(text)
          this.#changed()
        })
        ws.on('close', () => this.#changed())
        if (typeof behaviour === 'object') ws.close(behaviour.acceptThenClose, 'flap')
        this.#changed()
      })
      return
    }
    this.#raw.add(socket)
    socket.on('close', () => {
      this.#raw.delete(socket)
      this.#changed()
    })
    if (typeof behaviour === 'object') {
      const status = behaviour.refuse
      socket.end(
        `HTTP/1.1 ${status} ${http.STATUS_CODES[status]}\r\nConnection: close\r\nContent-Length: 0\r\n\r\n`,
      )
    } else if (behaviour === 'invalid-frame') {
      void this.#handshakeThenInvalidFrame(req, socket)
    }
    // 'silent': the request is read and never answered.
    this.#changed()
  }

  async #handshakeThenInvalidFrame(req: http.IncomingMessage, socket: Socket): Promise<void> {
    const accept = await computeAccept(String(req.headers['sec-websocket-key']))
    socket.write(
      'HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n' +
        `Sec-WebSocket-Accept: ${accept}\r\n\r\n`,
    )
    // Opcode 0x3 is reserved (RFC 6455 §5.2): the client must fail the connection with 1002.
    socket.write(Buffer.from([0x83, 0x00]))
    socket.on('data', (chunk: Buffer) => {
      // A masked close frame from the client: 0x88, 0x80 | length, 4-byte mask, payload.
      if (chunk.length < 8 || chunk[0] !== 0x88) return
      const mask = chunk.subarray(2, 6)
      const code =
        (((chunk[6] as number) ^ (mask[0] as number)) << 8) |
        ((chunk[7] as number) ^ (mask[1] as number))
      this.rawCloseCodes.push(code)
      socket.end()
      this.#changed()
    })
  }
}

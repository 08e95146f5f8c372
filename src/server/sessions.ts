/**
 * `acceptSessions`: the server side of heartline's resume protocol over a `ws`
 * server. Reads each socket's hello, creates or continues the session it names
 * (through the store, which fences ownership), and emits one `session` per
 * client session, not per socket. Answers the client's heartbeat pings.
 */
import { randomBytes } from 'node:crypto'
import { EventEmitter } from 'node:events'
import type { RawData, WebSocket, WebSocketServer } from 'ws'
import { HELLO, type Hello, PROTOCOL_ERROR, PROTOCOL_VERSION } from '../resume/frames.js'
import { memoryStore } from './memory-store.js'
import { Session } from './session.js'
import type { SessionSettings } from './session-events.js'
import type { ClaimedSession, SessionStore } from './store.js'

export interface AcceptSessionsOptions {
  /**
   * Where sessions live: `memoryStore()` (this process) or `redisStore()` from
   * `heartline/server/redis` (a fleet).
   * @default memoryStore()
   */
  store?: SessionStore
  /**
   * The client's heartbeat ping (compared with each text frame) and the reply.
   * @default 'ping' and 'pong'
   */
  ping?: string
  pong?: string
  /**
   * Milliseconds from the first unacknowledged client message to the ack.
   * @default 200
   */
  ackDelay?: number
  /**
   * Acknowledge at once after this many unacknowledged client messages.
   * @default 512
   */
  ackEvery?: number
  /**
   * Milliseconds between sweeps, as `attachHeartbeat` does: a socket that has
   * not answered the previous sweep's protocol ping is terminated, so a
   * black-holed client's session starts its ttl instead of waiting on a dead
   * socket. 0 disables the sweep.
   * @default 30000
   */
  sweepInterval?: number
  /**
   * Milliseconds a process that takes over a session waits before handing out
   * client messages the previous owner may have handed out already (only when
   * there are such messages): what that owner records meanwhile is skipped
   * instead of handed out twice. 0 hands them out at once (marked `redelivered`).
   * @default 100
   */
  handoverGrace?: number
}

export interface SessionServerEvents {
  /** A new session started, or a session this process did not hold came to it. */
  session: [session: Session]
  /** A store call failed (the socket is closed; the client resumes later). */
  error: [error: unknown]
}

/** The sessions of one `ws` server. */
export class SessionServer extends EventEmitter<SessionServerEvents> {
  readonly store: SessionStore
  readonly #sessions = new Map<string, Session>()
  readonly #settings: SessionSettings
  readonly #detach: () => void
  /** Sockets, and whether each answered the last sweep's ping. */
  readonly #alive = new Map<WebSocket, boolean>()

  constructor(wss: WebSocketServer, options: AcceptSessionsOptions = {}) {
    super()
    const store = options.store ?? memoryStore()
    const ping = options.ping ?? 'ping'
    const pong = options.pong ?? 'pong'
    const ackDelay = options.ackDelay ?? 200
    const ackEvery = options.ackEvery ?? 512
    for (const [name, value] of [
      ['ping', ping],
      ['pong', pong],
    ] as const) {
      if (typeof value !== 'string') {
        throw new TypeError(`heartline/server: \`${name}\` must be a string; got ${typeof value}.`)
      }
    }
    if (typeof ackDelay !== 'number' || !Number.isFinite(ackDelay) || ackDelay < 0) {
      throw new RangeError(
        `heartline/server: \`ackDelay\` must be a finite number ≥ 0; got ${String(ackDelay)}.`,
      )
    }
    if (!Number.isInteger(ackEvery) || ackEvery < 1) {
      throw new RangeError(
        `heartline/server: \`ackEvery\` must be a whole number ≥ 1; got ${String(ackEvery)}.`,
      )
    }
    if (typeof store?.claim !== 'function') {
      throw new TypeError(
        'heartline/server: `store` must be a session store, such as memoryStore() or redisStore().',
      )
    }
    this.store = store
    const handoverGrace = options.handoverGrace ?? 100
    if (typeof handoverGrace !== 'number' || !Number.isFinite(handoverGrace) || handoverGrace < 0) {
      throw new RangeError(
        `heartline/server: \`handoverGrace\` must be a finite number of milliseconds ≥ 0; got ${String(handoverGrace)}.`,
      )
    }
    this.#settings = {
      store,
      ackDelay,
      ackEvery,
      handoverGrace,
      forget: (session) => {
        if (this.#sessions.get(session.id) === session) this.#sessions.delete(session.id)
      },
      error: (error) => {
        if (this.listenerCount('error') > 0) this.emit('error', error)
      },
    }
    const sweepInterval = options.sweepInterval ?? 30_000
    if (typeof sweepInterval !== 'number' || !Number.isFinite(sweepInterval) || sweepInterval < 0) {
      throw new RangeError(
        `heartline/server: \`sweepInterval\` must be a finite number of milliseconds ≥ 0; got ${String(sweepInterval)}.`,
      )
    }
    const onConnection = (socket: WebSocket) => this.#accept(socket, ping, pong)
    wss.on('connection', onConnection)
    // The pattern the \`ws\` README documents: ping every socket, terminate those
    // that did not answer the previous ping.
    const sweep =
      sweepInterval > 0
        ? setInterval(() => {
            for (const [socket, alive] of this.#alive) {
              if (!alive) {
                socket.terminate()
                continue
              }
              this.#alive.set(socket, false)
              try {
                socket.ping()
              } catch {
                // Closing already.
              }
            }
          }, sweepInterval)
        : undefined
    sweep?.unref?.()
    this.#detach = () => {
      if (sweep !== undefined) clearInterval(sweep)
      wss.off('connection', onConnection)
    }
  }

  /** The session with this id, if this process holds it. */
  get(id: string): Session | undefined {
    return this.#sessions.get(id)
  }

  /** Sessions this process holds. */
  get size(): number {
    return this.#sessions.size
  }

  /** Stops accepting sockets and sweeping (sessions and their sockets stay as they are). */
  close(): void {
    this.#detach()
  }

  #accept(socket: WebSocket, ping: string, pong: string): void {
    let session: Session | null = null
    let hello = false
    /** Frames that arrived while the hello was being answered. */
    const early: Array<[Buffer, boolean]> = []
    socket.on('message', (raw: RawData, isBinary: boolean) => {
      const data = Array.isArray(raw)
        ? Buffer.concat(raw)
        : Buffer.isBuffer(raw)
          ? raw
          : Buffer.from(raw)
      if (!isBinary && data.length === ping.length && data.toString() === ping) {
        if (socket.readyState === 1) socket.send(pong)
        session?.pinged()
        return
      }
      if (session !== null) return session.frame(socket, data, isBinary)
      if (hello) {
        early.push([data, isBinary])
        return
      }
      hello = true
      this.#hello(socket, data, isBinary).then(
        (attached) => {
          session = attached
          if (attached === null) return
          for (const [frame, binary] of early.splice(0)) attached.frame(socket, frame, binary)
        },
        (error: unknown) => {
          this.#settings.error(error)
          socket.close(1011, 'session store failed')
        },
      )
    })
    this.#alive.set(socket, true)
    socket.on('pong', () => this.#alive.set(socket, true))
    socket.on('close', () => {
      this.#alive.delete(socket)
      session?.detached(socket)
    })
    socket.on('error', () => undefined)
  }

  async #hello(socket: WebSocket, data: Buffer, isBinary: boolean): Promise<Session | null> {
    let hello: Hello | null = null
    if (!isBinary && data[0] === HELLO) {
      try {
        hello = JSON.parse(data.subarray(1).toString()) as Hello
      } catch {
        hello = null
      }
    }
    if (hello === null || typeof hello !== 'object') {
      socket.close(PROTOCOL_ERROR, 'resume: the first frame must be a hello')
      return null
    }
    if (hello.v !== PROTOCOL_VERSION) {
      // RFC 6455 §7.4.1: 1002 is a protocol error; the client's default policy does not retry it.
      socket.close(1002, `resume: unsupported version ${String(hello.v)}; this server speaks 1`)
      return null
    }
    const ack = hello.ack
    if (
      !Number.isSafeInteger(ack) ||
      ack < 0 ||
      (hello.sid !== undefined && typeof hello.sid !== 'string')
    ) {
      socket.close(PROTOCOL_ERROR, 'resume: malformed hello')
      return null
    }
    const store = this.store
    if (hello.sid !== undefined) {
      const sid = hello.sid
      const local = this.#sessions.get(sid)
      const claim = local ? await local.enqueue(store.claim(sid, ack)) : await store.claim(sid, ack)
      if (socket.readyState !== 1) return null
      if ('epoch' in claim) {
        if (claim.out < ack) {
          socket.close(PROTOCOL_ERROR, 'resume: ack beyond the last seq sent')
          return null
        }
        const session = local && this.#sessions.get(sid) === local ? local : this.#adopt(sid)
        session.attach(socket, claim, true)
        if (session !== local) this.emit('session', session)
        return session
      }
      local?.close()
      return this.#fresh(socket, claim.lost)
    }
    return this.#fresh(socket, undefined)
  }

  async #fresh(socket: WebSocket, lost: number | null | undefined): Promise<Session | null> {
    // 128 random bits: the id is the only credential a resuming socket shows.
    const id = randomBytes(16).toString('base64url')
    const claim: ClaimedSession = await this.store.create(id)
    if (socket.readyState !== 1) {
      await this.store.remove(id, claim.epoch)
      return null
    }
    const session = this.#adopt(id)
    session.attach(socket, claim, false, lost)
    this.emit('session', session)
    return session
  }

  #adopt(id: string): Session {
    const session = new Session(id, this.#settings)
    this.#sessions.set(id, session)
    return session
  }
}

/**
 * Accepts resumable sessions on every new client of `wss`: one `session` event
 * per client session (not per socket). Answers the client's heartbeat like
 * `attachHeartbeat` (do not attach both to the same server).
 */
export function acceptSessions(
  wss: WebSocketServer,
  options: AcceptSessionsOptions = {},
): SessionServer {
  return new SessionServer(wss, options)
}

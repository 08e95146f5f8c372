/**
 * `acceptSessions`: the server side of heartline's resume protocol over a `ws`
 * server. Reads each socket's hello, creates or continues the session it names
 * (through the store, which fences ownership), and emits one `session` per
 * client session, not per socket. Answers the client's heartbeat pings.
 */
import { randomBytes } from 'node:crypto'
import { EventEmitter } from 'node:events'
import type { IncomingMessage } from 'node:http'
import type { RawData, WebSocket, WebSocketServer } from 'ws'
import {
  frameJson,
  HELLO,
  type Hello,
  PROTOCOL_ERROR,
  PROTOCOL_VERSION,
} from '../protocol/resume.js'
import { closeSocket } from './close-socket.js'
import { Heartbeat } from './heartbeat.js'
import { Session } from './session.js'
import type { SessionAttachInfo, SessionServerEvents, SessionSettings } from './session-events.js'
import {
  type AcceptSessionsOptions,
  EARLY_BYTES,
  EARLY_FRAMES,
  principalOf,
  type ResolvedSessionOptions,
  resolveSessionOptions,
  SESSION_ID,
  storeKey,
  TOO_MANY_SESSIONS,
} from './session-options.js'
import type { ClaimedSession, SessionStore } from './store.js'

export type { SessionServerEvents } from './session-events.js'
export type { AcceptSessionsOptions } from './session-options.js'

/** The sessions of one `ws` server. */
export class SessionServer extends EventEmitter<SessionServerEvents> {
  readonly store: SessionStore
  /** Sessions this process holds, by store key. */
  readonly #sessions = new Map<string, Session>()
  readonly #byId = new Map<string, Session>()
  readonly #settings: SessionSettings
  readonly #options: ResolvedSessionOptions
  readonly #detach: () => void
  /** Answers each session socket's pings and sweeps it (the one copy `attachHeartbeat` uses). */
  readonly #heartbeat: Heartbeat
  /** New sessions being created (they count against `maxSessions`). */
  #creating = 0

  constructor(wss: WebSocketServer, options: AcceptSessionsOptions = {}) {
    super()
    const resolved = resolveSessionOptions(options)
    this.#options = resolved
    const { store } = resolved
    this.store = store
    this.#settings = {
      store,
      ackDelay: resolved.ackDelay,
      ackEvery: resolved.ackEvery,
      handoverGrace: resolved.handoverGrace,
      closeTimeout: resolved.closeTimeout,
      forget: (session) => {
        if (this.#sessions.get(session.key) === session) this.#sessions.delete(session.key)
        if (this.#byId.get(session.id) === session) this.#byId.delete(session.id)
      },
      error: (error) => {
        if (this.listenerCount('error') > 0) this.emit('error', error)
      },
      attached: (session, info) => this.emit('attach', session, info),
    }
    this.#heartbeat = new Heartbeat(resolved.heartbeat)
    const onConnection = (socket: WebSocket, request: IncomingMessage) =>
      this.#accept(socket, request)
    wss.on('connection', onConnection)
    this.#detach = () => {
      this.#heartbeat.stopSweep()
      wss.off('connection', onConnection)
    }
  }

  /** The session with this id, if this process holds it. */
  get(id: string): Session | undefined {
    return this.#byId.get(id)
  }

  /** Sessions this process holds. */
  get size(): number {
    return this.#sessions.size
  }

  /** Stops accepting sockets and sweeping (sessions and their sockets stay as they are). */
  close(): void {
    this.#detach()
  }

  #accept(socket: WebSocket, request: IncomingMessage): void {
    const { helloTimeout, closeTimeout } = this.#options
    // First, so a ping's reply goes out before the ack the ping prompts.
    this.#heartbeat.attach(socket)
    let session: Session | null = null
    let hello = false
    /** Frames that arrived while the hello was being answered, and their bytes. */
    const early: Array<[Buffer, boolean]> = []
    let earlyBytes = 0
    const refuse = (code: number, reason: string) => {
      early.length = 0
      closeSocket(socket, code, reason, closeTimeout)
    }
    const timer = setTimeout(() => {
      if (!hello) refuse(PROTOCOL_ERROR, 'resume: no hello within helloTimeout')
    }, helloTimeout)
    timer.unref?.()
    socket.on('message', (raw: RawData, isBinary: boolean) => {
      if (socket.readyState !== 1) return
      // The heartbeat answered it: a chance to acknowledge without waiting for the timer.
      if (this.#heartbeat.isPing(raw, isBinary)) return session?.pinged()
      const data = Array.isArray(raw)
        ? Buffer.concat(raw)
        : Buffer.isBuffer(raw)
          ? raw
          : Buffer.from(raw)
      if (session !== null) return session.frame(socket, data, isBinary)
      if (hello) {
        earlyBytes += data.byteLength
        if (early.length >= EARLY_FRAMES || earlyBytes > EARLY_BYTES) {
          return refuse(PROTOCOL_ERROR, 'resume: too many frames before the welcome')
        }
        early.push([data, isBinary])
        return
      }
      hello = true
      clearTimeout(timer)
      this.#hello(socket, request, data, isBinary).then(
        (attached) => {
          session = attached
          if (attached === null) return
          for (const [frame, binary] of early.splice(0)) attached.frame(socket, frame, binary)
        },
        (error: unknown) => {
          this.#settings.error(error)
          refuse(1011, 'session store failed')
        },
      )
    })
    socket.on('close', () => {
      clearTimeout(timer)
      session?.detached(socket)
    })
    socket.on('error', () => undefined)
  }

  async #hello(
    socket: WebSocket,
    request: IncomingMessage,
    data: Buffer,
    isBinary: boolean,
  ): Promise<Session | null> {
    const { closeTimeout, identify } = this.#options
    const refuse = (code: number, reason: string) => {
      closeSocket(socket, code, reason, closeTimeout)
      return null
    }
    const body = !isBinary && data[0] === HELLO ? frameJson(data.toString()) : undefined
    // A hello is one JSON object (docs/resume-protocol.md, rule 7): an array is not one.
    if (body === null || typeof body !== 'object' || Array.isArray(body)) {
      return refuse(PROTOCOL_ERROR, 'resume: the first frame must be a hello')
    }
    const hello = body as Hello
    if (hello.v !== PROTOCOL_VERSION) {
      // RFC 6455 §7.4.1: 1002 is a protocol error; the client's default policy does not retry it.
      const version = JSON.stringify(hello.v) ?? 'none'
      return refuse(
        1002,
        `resume: unsupported version ${version.length > 24 ? `${version.slice(0, 24)}…` : version}; this server speaks 1`,
      )
    }
    const ack = hello.ack
    if (
      !Number.isSafeInteger(ack) ||
      ack < 0 ||
      (hello.sid !== undefined && typeof hello.sid !== 'string')
    ) {
      return refuse(PROTOCOL_ERROR, 'resume: malformed hello')
    }
    let principal: string | undefined
    try {
      principal = await principalOf(identify, request)
    } catch (error) {
      this.#settings.error(error)
      return refuse(1011, 'resume: identify failed')
    }
    if (socket.readyState !== 1) return null
    const attach = { socket, request }
    const sid = hello.sid
    if (sid === undefined) return this.#fresh(attach, principal, undefined)
    // An id this server never made names no session: a reset, not an error the client would retry.
    if (!SESSION_ID.test(sid)) return this.#fresh(attach, principal, null)
    const key = storeKey(sid, principal)
    const store = this.store
    const local = this.#sessions.get(key)
    const claim = local
      ? await local.reclaim(() => store.claim(key, ack))
      : await store.claim(key, ack)
    if (socket.readyState !== 1) return null
    if ('epoch' in claim) {
      if (claim.out < ack) return refuse(PROTOCOL_ERROR, 'resume: ack beyond the last seq sent')
      const session =
        local && this.#sessions.get(key) === local ? local : this.#adopt(sid, key, principal)
      session.attach(attach, claim, true)
      if (session !== local) this.emit('session', session)
      return session
    }
    // Behind: the session lives on, but messages this client never got were acknowledged.
    if (claim.behind !== true) local?.close()
    return this.#fresh(attach, principal, claim.lost)
  }

  async #fresh(
    attach: Omit<SessionAttachInfo, 'resumed'>,
    principal: string | undefined,
    lost: number | null | undefined,
  ): Promise<Session | null> {
    const { socket } = attach
    if (this.#sessions.size + this.#creating >= this.#options.maxSessions) {
      closeSocket(
        socket,
        TOO_MANY_SESSIONS,
        'resume: too many sessions',
        this.#options.closeTimeout,
      )
      return null
    }
    // 128 random bits: the id is the only credential a resuming socket shows.
    const id = randomBytes(16).toString('base64url')
    const key = storeKey(id, principal)
    this.#creating++
    let claim: ClaimedSession
    try {
      claim = await this.store.create(key)
    } finally {
      this.#creating--
    }
    if (socket.readyState !== 1) {
      await this.store.remove(key, claim.epoch)
      return null
    }
    const session = this.#adopt(id, key, principal)
    session.attach(attach, claim, false, lost)
    this.emit('session', session)
    return session
  }

  #adopt(id: string, key: string, principal: string | undefined): Session {
    const session = new Session(id, key, principal, this.#settings)
    this.#sessions.set(key, session)
    this.#byId.set(id, session)
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

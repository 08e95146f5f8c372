/**
 * The socket actor's contract with the connection that owns it (src/socket.ts
 * is the actor): what the actor tells and asks its host, the liveness probe it
 * hands over for `send()`, and where each attempt's URL comes from.
 */
import type { CloseInfo, EndVerdict, SocketActorInput } from '../machines/connection.js'
import type { WebSocketLike } from './options.js'
import type { ResolvedOptions } from './resolve-options.js'

/** What the socket actor needs from the connection that owns it. */
export interface SocketHost {
  readonly options: ResolvedOptions
  /** The URL source (validated on every attempt when it is a function). */
  readonly url: UrlSource
  /** Called with the data of every inbound message that is not a hidden pong. */
  deliver(data: unknown): void
  /** The socket opened (the chart then makes it writable, after the queue flush). */
  opened(ws: WebSocketLike, url: string): void
  /** The socket must take no more application data (`code`: its close code, if it closed). */
  detach(ws: WebSocketLike, code?: number): void
  /** The socket's first inbound frame arrived: its server reads. */
  heard(): void
  /** A new socket was created for `url` (the host applies its binaryType). */
  created(ws: WebSocketLike, url: string): void
  /** A ping's round trip ended (the first inbound message after it), in ms. */
  rtt(sample: number): void
  /** The application asked not to read (`pauseReading`). */
  readPaused?(): boolean
  /** An attempt starts; `probe` reads this socket's heartbeat clock (never per message). */
  started?(input: SocketActorInput, probe: LivenessProbe): void
  /** Asks the close policy about this end and draws the retry's jitter, then `report`s the end with them. */
  judge(close: CloseInfo, report: (verdict: EndVerdict) => void): void
}

/** What `send()` may ask the current socket's heartbeat bookkeeping. */
export interface LivenessProbe {
  /** A ping is pending and its pong deadline has passed (its timer may not have fired yet). */
  pongOverdue(): boolean
}

export type UrlSource = string | ((info: Pick<SocketActorInput, 'attempt' | 'reason'>) => unknown)

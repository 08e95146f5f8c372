/**
 * The events a connection fires. Each is a real DOM `Event` (a `CloseEvent` for
 * close, a `MessageEvent` for messages) dispatched through the platform's
 * `EventTarget`, so `once`, `signal`, capture, `handleEvent`, `this`, `target`
 * and `currentTarget` behave as on a browser WebSocket; heartline's own fields
 * (`cause`, `willReconnect`, the `statechange` and `drop` details…) are own
 * properties of the event object.
 */
import type { ConnectionStateName } from '../machines/connection.js'
import type { Connection } from './connection.js'
import type { AckEventDetail, ResetEventDetail, ResumedEventDetail } from './layer.js'
import type { CloseDetails, SendData } from './options.js'
import type { StateChangeCause } from './vocabulary.js'

export interface HeartlineEvent<T extends string = string> extends Event {
  readonly type: T
  readonly target: Connection
}
export interface OpenEvent extends HeartlineEvent<'open'> {
  /** The URL this socket connected to. */
  url: string
}
export interface CloseEventDetails extends HeartlineEvent<'close'>, CloseDetails {
  /** True when heartline will try again after this close. */
  willReconnect: boolean
}
export interface ErrorEventDetails extends HeartlineEvent<'error'> {
  /** What the socket (or the url provider) reported. */
  error: unknown
}
/**
 * A change of public state. Only XState's inspection stream names the chart event
 * behind a change, so a connection reads that stream from its first `statechange`
 * listener or `subscribe()` on: about a fifth more CPU per heartbeat cycle (bench
 * B7S). A connection nobody listens to this way does not pay it.
 */
export interface StateChangeEvent extends HeartlineEvent<'statechange'> {
  from: ConnectionStateName
  to: ConnectionStateName
  /**
   * What caused the change, by its documented name (docs/statechange.md): for
   * example `socket.open`, `heartbeat.silence`, `timer.reconnect`, `app.close`.
   */
  event: StateChangeCause
}
export type DropReason =
  | 'not-open'
  | 'queue-full'
  | 'queue-overflow'
  | 'closed'
  | 'resume-buffer-full'
/**
 * What became of one message given to `send(data, outcome)`, told to `outcome`
 * (docs/reliability.md, "When a message is handed over"). `queued`: it waits in
 * the outgoing queue (told again when a refusal puts it back there). Then exactly
 * once, one of: `written`, handed over to a socket whose server reads it (with
 * `resume` on: taken by the resume layer, which delivers it or reports it by its
 * `reset` and `drop` events); `dropped`, with the reason its `drop` event gives.
 */
export type SendOutcome =
  | { status: 'queued' }
  | { status: 'written' }
  | { status: 'dropped'; reason: DropReason }
/** Called with each outcome of one message (see `SendOutcome`). */
export type SendOutcomeListener = (outcome: SendOutcome) => void
export interface DropEvent extends HeartlineEvent<'drop'> {
  /** The message that will not be sent. */
  data: SendData
  /**
   * `not-open`: sent while not open with `queue: false`; `queue-full`: refused by
   * a full queue; `queue-overflow`: the oldest queued message pushed out by
   * `overflow: 'drop-oldest'`; `closed`: the connection closed for good (queued
   * messages are reported when it does, later sends at once);
   * `resume-buffer-full`: with `resume` on, the unacknowledged messages already
   * fill `maxBytes`.
   */
  reason: DropReason
}
export interface ReconnectingEvent extends HeartlineEvent<'reconnecting'> {
  attempt: number
  delay: number
}
/** The retry budget is spent (`reconnect.maxAttempts`): the connection is `closed`. */
export interface GiveUpEvent extends HeartlineEvent<'giveup'> {
  /** Failed attempts before giving up. */
  attempts: number
}
/** `giveup` under its earlier name, still fired (right after `giveup`) for existing code. */
export interface GaveUpEvent extends HeartlineEvent<'gave-up'> {
  attempts: number
}
/**
 * `bufferedAmount` fell to `bufferedAmountLowThreshold` or below (a plain
 * `Event`, as RTCDataChannel's): there is room to send again.
 */
export interface BufferedAmountLowEvent extends HeartlineEvent<'bufferedamountlow'> {}
/** With `resume` on: the session continued on a new socket. */
export interface ResumedEvent extends HeartlineEvent<'resumed'>, ResumedEventDetail {}
/** With `resume` on: the server acknowledged messages and they were let go (room freed). */
export interface AckEvent extends HeartlineEvent<'ack'>, AckEventDetail {}
/** With `resume` on: the server no longer had the session; a new one started. */
export interface ResetEvent extends HeartlineEvent<'reset'>, ResetEventDetail {}

export interface ConnectionEventMap {
  open: OpenEvent
  message: MessageEvent
  error: ErrorEventDetails
  close: CloseEventDetails
  statechange: StateChangeEvent
  drop: DropEvent
  reconnecting: ReconnectingEvent
  giveup: GiveUpEvent
  'gave-up': GaveUpEvent
  resumed: ResumedEvent
  reset: ResetEvent
  ack: AckEvent
  bufferedamountlow: BufferedAmountLowEvent
}

/** A close event where the platform has no `CloseEvent` (Node before 23). */
class CloseEventShim extends Event {
  readonly code: number
  readonly reason: string
  readonly wasClean: boolean
  constructor(type: string, init: { code?: number; reason?: string; wasClean?: boolean } = {}) {
    super(type)
    this.code = init.code ?? 0
    this.reason = init.reason ?? ''
    this.wasClean = init.wasClean ?? false
  }
}

type CloseEventCtor = new (
  type: string,
  init: { code: number; reason: string; wasClean: boolean },
) => Event
const g = globalThis as { CloseEvent?: CloseEventCtor }

/**
 * A fresh event of `type` carrying `fields`. A close event gets code, reason and
 * wasClean through the CloseEvent constructor (they are read-only getters there);
 * every other field becomes an own property.
 */
export function createEvent(type: string, fields: Record<string, unknown>): Event {
  if (type === 'close') {
    const { code, reason, wasClean, ...rest } = fields as {
      code: number
      reason: string
      wasClean: boolean
    }
    const Ctor = g.CloseEvent ?? CloseEventShim
    return Object.assign(new Ctor('close', { code, reason, wasClean }), rest)
  }
  return Object.assign(new Event(type), fields)
}

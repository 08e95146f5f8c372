/**
 * The events a shared connection fires: those of a `Connection`, plus
 * `leaderchange`. Each is a real DOM `Event` built as the core builds its own (a
 * `MessageEvent` for messages, a `CloseEvent` for close, heartline's fields as
 * own properties), dispatched with the shared connection as `target`.
 */
import type {
  CloseEventDetails,
  DropReason,
  ErrorEventDetails,
  GaveUpEvent,
  GiveUpEvent,
  OpenEvent,
  ReconnectingEvent,
  SendData,
  StateChangeEvent,
} from '../index.js'
import type { HandlerOf, ListenerOf } from '../shape.js'
import type { SharedConnection } from './shared-connection.js'

/** A `Connection` event with the shared connection as its target. */
export type SharedEvent<E extends Event> = Omit<E, 'target'> & { readonly target: SharedConnection }

/**
 * A `Connection`'s drop reasons, plus `handoff`: the message was handed to a
 * leader tab that went away before confirming it was written to its socket
 * (only without resume: with it, the next leader sends it again).
 * It may or may not have reached the server.
 */
export type SharedDropReason = DropReason | 'handoff'

export interface SharedDropEvent extends Event {
  readonly type: 'drop'
  readonly target: SharedConnection
  /** The message that will not be sent (or, for `handoff`, may not have been). */
  data: SendData
  reason: SharedDropReason
}

export interface LeaderChangeEvent extends Event {
  readonly type: 'leaderchange'
  readonly target: SharedConnection
  /** True when this tab now holds the socket. */
  leader: boolean
}

export interface SharedConnectionEventMap {
  open: SharedEvent<OpenEvent>
  message: MessageEvent
  error: SharedEvent<ErrorEventDetails>
  close: SharedEvent<CloseEventDetails>
  statechange: SharedEvent<StateChangeEvent>
  drop: SharedDropEvent
  reconnecting: SharedEvent<ReconnectingEvent>
  giveup: SharedEvent<GiveUpEvent>
  'gave-up': SharedEvent<GaveUpEvent>
  leaderchange: LeaderChangeEvent
}

/** A listener for a shared connection's events: `this` is the shared connection. */
export type SharedListener<E> = ListenerOf<SharedConnection, E>

/** An `on<type>` handler of a shared connection: returning false cancels the event. */
export type SharedHandler<E> = HandlerOf<SharedConnection, E>

/** The events a shared connection fires: those of a `Connection`, plus `leaderchange`. */
import type {
  CloseEventDetails,
  DropReason,
  ErrorEventDetails,
  GaveUpEvent,
  OpenEvent,
  ReconnectingEvent,
  SendData,
  StateChangeEvent,
} from '../index.js'
import type { SharedConnection } from './shared-connection.js'

/** A `Connection` event with the shared connection as its target. */
export type SharedEvent<E> = Omit<E, 'target'> & { target: SharedConnection }

/**
 * A `Connection`'s drop reasons, plus `handoff`: the message was handed to a
 * leader tab that went away before confirming it was written to its socket.
 * It may or may not have reached the server.
 */
export type SharedDropReason = DropReason | 'handoff'

export interface SharedDropEvent {
  type: 'drop'
  target: SharedConnection
  /** The message that will not be sent (or, for `handoff`, may not have been). */
  data: SendData
  reason: SharedDropReason
}

export interface LeaderChangeEvent {
  type: 'leaderchange'
  target: SharedConnection
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
  'gave-up': SharedEvent<GaveUpEvent>
  leaderchange: LeaderChangeEvent
}

/**
 * A WebSocket connection controller: heartbeat, dead-link detection, jittered
 * reconnect and a bounded outgoing queue, driven by an XState statechart.
 * The inspector bridge, inspection records and handshake helpers are in
 * `heartline/inspector`.
 *
 * @module heartline
 */
// Types that public signatures refer to (the chart's for `connectionMachine.provide()`).
export type {
  AppEvent,
  BackoffPolicy,
  CloseInfo,
  ConnectionContext,
  ConnectionEmitted,
  ConnectionEvent,
  ConnectionInput,
  HeartbeatTimings,
  NetworkEvent,
  PageLifecycleInput,
  ReconnectVerdict,
  SocketActorInput,
  SocketCommand,
  SocketEvent,
} from '../machines/connection.js'
export {
  type AttemptReason,
  backoffDelay,
  type CloseCause,
  type ConnectionStateName,
  connectionMachine,
  LATE_TIMER_MS,
  STATE_NAMES,
  stateNameOf,
} from '../machines/connection.js'
export { checkClose, MAX_REASON_BYTES } from './close.js'
export {
  CLOSE_CODE_POLICY,
  type ClosePolicyRow,
  defaultShouldReconnect,
} from './close-policy.js'
export { Connection, createConnection, type Handler } from './connection.js'
export type {
  AddListenerOptions,
  AnyListener,
  ListenerOptions,
  RemoveListenerOptions,
} from './event-target.js'
export type {
  AckEvent,
  BufferedAmountLowEvent,
  CloseEventDetails,
  ConnectionEventMap,
  DropEvent,
  DropReason,
  ErrorEventDetails,
  GaveUpEvent,
  GiveUpEvent,
  OpenEvent,
  ReconnectingEvent,
  ResetEvent,
  ResumedEvent,
  SendOutcome,
  SendOutcomeListener,
  StateChangeEvent,
} from './events.js'
export type { HeartlineMessageEvent } from './inbound.js'
export type {
  AckEventDetail,
  ConnectionLayer,
  DirectionCounts,
  LayerFactory,
  LayerHost,
  ResetEventDetail,
  ResumedEventDetail,
} from './layer.js'
export {
  ATTEMPT_HISTORY,
  type AttemptRecord,
  type ConnectionMetrics,
} from './metrics.js'
export type { Clock, ProtocolsProvider } from './options.js'
export {
  type AttemptInfo,
  type CloseDetails,
  type ConnectionOptions,
  DEFAULTS,
  type HeartbeatOptions,
  type LifecycleTargets,
  type QueueOptions,
  type ReconnectOptions,
  type SendData,
  type UrlProvider,
  type WebSocketConstructor,
  type WebSocketInstance,
  type WebSocketLike,
} from './options.js'
export { presets } from './presets.js'
export { MAX_RETRY_HINT, parseRetryHint } from './retry-hint.js'
export type { HandlerOf, ListenerOf } from './shape.js'
export type { StateChangeCause } from './vocabulary.js'

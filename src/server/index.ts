/**
 * The server half of the heartbeat, for Node servers built on `ws`: answers the
 * client's app-level pings, and sweeps out clients that stopped answering
 * protocol-level pings (the pattern the `ws` README documents: mark every client,
 * ping it, and terminate the ones still unmarked at the next sweep); `drain()` and
 * `admission()` pace reconnect storms with retry hints (docs/storms.md).
 *
 * @module heartline/server
 */
export { computeAccept, WEBSOCKET_GUID } from '../handshake.js'
export { formatRetryHint, MAX_RETRY_HINT, parseRetryHint } from '../retry-hint.js'
export { type AdmissionOptions, admission } from './admission.js'
export { type DrainOptions, type DrainResult, drain } from './drain.js'
export { type AttachHeartbeatOptions, attachHeartbeat } from './heartbeat.js'
export { memoryStore } from './memory-store.js'
export { Session } from './session.js'
export type {
  SessionAttachInfo,
  SessionCloseInfo,
  SessionDropReason,
  SessionEvents,
  SessionMessageInfo,
} from './session-events.js'
export {
  type AcceptSessionsOptions,
  acceptSessions,
  SessionServer,
  type SessionServerEvents,
} from './sessions.js'
export type {
  ClaimedSession,
  MissingSession,
  SessionStore,
  StoredMessage,
  StoreOptions,
} from './store.js'

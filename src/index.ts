export {
  type AttemptReason,
  backoffDelay,
  type CloseCause,
  type ConnectionStateName,
  connectionMachine,
  STATE_NAMES,
} from '../machines/connection.js'
export { checkClose, MAX_REASON_BYTES } from './close.js'
export {
  type CloseEventDetails,
  Connection,
  type ConnectionEventMap,
  createConnection,
  type DropEvent,
  type DropReason,
  type ErrorEventDetails,
  type GaveUpEvent,
  type OpenEvent,
  type ReconnectingEvent,
  type StateChangeEvent,
} from './connection.js'
export { acceptSteps, computeAccept, WEBSOCKET_GUID } from './handshake.js'
export {
  type InspectionRecord,
  redactUrl,
  redactUrls,
  type TransitionRecord,
  toRecord,
} from './inspection.js'
export {
  type BridgeHello,
  type BridgeMessage,
  type InspectorBridge,
  type InspectorBridgeOptions,
  inspectorBridge,
} from './inspector-bridge.js'
export {
  type AttemptInfo,
  type CloseDetails,
  type ConnectionOptions,
  DEFAULTS,
  type HeartbeatOptions,
  type QueueOptions,
  type ReconnectOptions,
  type SendData,
  type UrlProvider,
  type WebSocketConstructor,
  type WebSocketLike,
} from './options.js'
export { presets } from './presets.js'

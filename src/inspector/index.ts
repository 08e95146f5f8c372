/**
 * The inspector's side of heartline: attach mode (`inspectorBridge`, which streams
 * a connection's inspection events to a running inspector), the inspection
 * records it sends (`toRecord`, URL redaction) and the handshake helpers the
 * inspector's handshake panel teaches with. Kept out of the main entry, so an
 * application that never attaches an inspector never ships it.
 *
 * @module heartline/inspector
 */
export {
  type AcceptSteps,
  acceptSteps,
  computeAccept,
  WEBSOCKET_GUID,
} from '../handshake.js'
export {
  type BridgeHello,
  type BridgeMessage,
  type InspectorBridge,
  type InspectorBridgeOptions,
  inspectorBridge,
} from './bridge.js'
export {
  type InspectionRecord,
  type RecordBase,
  type RecordOptions,
  redactUrl,
  redactUrls,
  type TransitionRecord,
  toRecord,
} from './inspection.js'

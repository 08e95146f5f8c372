/**
 * `heartline/shared`: one socket for all tabs of an origin. One tab, elected with
 * the Web Locks API, holds the socket; the others relay through it over a
 * `BroadcastChannel`. See docs/shared-tabs.md.
 *
 * @module heartline/shared
 */
export type {
  LeaderChangeEvent,
  SharedConnectionEventMap,
  SharedDropEvent,
  SharedDropReason,
  SharedEvent,
  SharedHandler,
  SharedListener,
} from './events.js'
export { PROTOCOL_VERSION } from './protocol.js'
export {
  createSharedConnection,
  SharedConnection,
  type SharedConnectionOptions,
} from './shared-connection.js'

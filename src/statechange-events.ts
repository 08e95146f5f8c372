/**
 * Every name `statechange.event` can carry, as a list for the tests and tools
 * that check docs/statechange.md against it. Kept out of the main entry (only
 * the type is used there), so an application does not ship the list. A record
 * keyed by the type, so the compiler fails when the two disagree.
 */
import type { StateChangeCause } from './vocabulary.js'

const ALL: Record<StateChangeCause, true> = {
  'socket.open': true,
  'socket.close': true,
  'socket.error': true,
  'heartbeat.silence': true,
  'heartbeat.alive': true,
  'heartbeat.waited': true,
  'heartbeat.overdue': true,
  'timer.connect': true,
  'timer.ping': true,
  'timer.pong': true,
  'timer.close': true,
  'timer.reconnect': true,
  'timer.stable': true,
  'app.close': true,
  'app.reconnect': true,
  'app.resume': true,
  'layer.close': true,
  'network.offline': true,
  'network.online': true,
  'leader.elected': true,
  'leader.gone': true,
  'leader.failed': true,
}

export const STATECHANGE_EVENTS = Object.keys(ALL) as StateChangeCause[]

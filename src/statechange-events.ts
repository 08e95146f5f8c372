/**
 * Every name `statechange.event` can carry, as a list for the tests and tools
 * that check docs/statechange.md against it. Kept out of the main entry (only
 * its type is used there), so an application does not ship the list.
 */
export const STATECHANGE_EVENTS = [
  'socket.open',
  'socket.close',
  'socket.error',
  'heartbeat.silence',
  'heartbeat.alive',
  'heartbeat.waited',
  'heartbeat.overdue',
  'timer.connect',
  'timer.ping',
  'timer.pong',
  'timer.close',
  'timer.reconnect',
  'timer.stable',
  'app.close',
  'app.reconnect',
  'app.resume',
  'network.offline',
  'network.online',
  'leader.elected',
  'leader.gone',
  'leader.failed',
] as const

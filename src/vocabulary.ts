/**
 * The public names of what happens to a connection, apart from the chart's own:
 * the `event` a `statechange` carries (docs/statechange.md is the table, and
 * test/vocabulary.test.ts holds it to this list) and the event types an
 * application hears. The chart's events keep their names where they are already
 * public (`socket.open`, `app.close`…); XState's generated ids for delayed
 * transitions (`xstate.after.<delay>.<state path>`) become `timer.<name>`, so the
 * public API does not change when a state is moved or renamed. The inspector
 * keeps showing the chart's own names.
 */

/** Every name `statechange.event` can carry. */
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

/** What caused a change of state, by its documented name. */
export type StateChangeCause = (typeof STATECHANGE_EVENTS)[number]

/** The chart's named delays → the timer's public name. */
const TIMERS: Record<string, StateChangeCause> = {
  connectTimeout: 'timer.connect',
  pingDelay: 'timer.ping',
  pongTimeout: 'timer.pong',
  closeTimeout: 'timer.close',
  reconnectDelay: 'timer.reconnect',
  stableAfter: 'timer.stable',
}

const AFTER = 'xstate.after.'

/** The public name of the chart event `type` (what `statechange.event` carries). */
export function causeName(type: string): StateChangeCause {
  if (type.startsWith(AFTER)) {
    const delay = type.slice(AFTER.length, type.indexOf('.', AFTER.length))
    const timer = TIMERS[delay]
    if (timer !== undefined) return timer
  }
  // Every other event the chart takes is named in the list (the vocabulary test checks).
  return type as StateChangeCause
}

/**
 * The types an emitted event is dispatched as, in order: giving up is `giveup`
 * (a DOM-style name, with an `ongiveup` handler) and, for code written against
 * earlier versions, `gave-up`.
 */
export function publicTypes(type: string): readonly string[] {
  return type === 'gave-up' ? GIVE_UP : [type]
}
const GIVE_UP = ['giveup', 'gave-up'] as const

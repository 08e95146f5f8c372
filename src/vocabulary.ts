/**
 * The public names of what happens to a connection, apart from the chart's own:
 * the `event` a `statechange` carries (docs/statechange.md is the table, and
 * test/vocabulary.test.ts holds it to the list in statechange-events.ts) and the
 * event types an application hears. The chart's events keep their names where they are already
 * public (`socket.open`, `app.close`…); XState's generated ids for delayed
 * transitions (`xstate.after.<delay>.<state path>`) become `timer.<name>`, so the
 * public API does not change when a state is moved or renamed. The inspector
 * keeps showing the chart's own names.
 */

/** What caused a change of state, by its documented name (docs/statechange.md). */
export type StateChangeCause =
  | 'socket.open'
  | 'socket.close'
  | 'socket.error'
  | 'heartbeat.silence'
  | 'heartbeat.alive'
  | 'heartbeat.waited'
  | 'heartbeat.overdue'
  | 'timer.connect'
  | 'timer.ping'
  | 'timer.pong'
  | 'timer.close'
  | 'timer.reconnect'
  | 'timer.stable'
  | 'app.close'
  | 'app.reconnect'
  | 'app.resume'
  | 'layer.close'
  | 'network.offline'
  | 'network.online'
  | 'leader.elected'
  | 'leader.gone'
  | 'leader.failed'

/**
 * The public name of the chart event `type` (what `statechange.event` carries).
 * A delayed transition `xstate.after.<delay>.<path>` is named after its delay:
 * `connectTimeout` → `timer.connect`, `pingDelay` → `timer.ping`, `stableAfter`
 * → `timer.stable`. Every other event the chart takes is in the list already
 * (test/vocabulary.test.ts checks both).
 */
export function causeName(type: string): StateChangeCause {
  const timer = /^xstate\.after\.(\w+?)(?:Timeout|Delay|After)\./.exec(type)
  return (timer === null ? type : `timer.${timer[1]}`) as StateChangeCause
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

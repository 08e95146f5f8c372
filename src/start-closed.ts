/**
 * The `startClosed` option: the chart's actor begins in `closed` instead of
 * making its first attempt. XState restores an actor from a snapshot without
 * running entry actions, so no socket is created and no timer armed; the chart's
 * own `closed` → `live` edge (`app.reconnect`) makes the first attempt.
 */
import type { Snapshot } from 'xstate'
import {
  type ConnectionInput,
  type ConnectionMachine,
  initialContext,
} from '../machines/connection.js'

/** The snapshot of a chart that has not started a socket yet, resting in `closed`. */
export function closedStart(machine: ConnectionMachine, input: ConnectionInput): Snapshot<unknown> {
  return machine.resolveState({ value: 'closed', context: initialContext(input) })
}

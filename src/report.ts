/**
 * How heartline reports an exception thrown by application code it calls (a
 * listener, a handler, a `subscribe()` callback): as the platform's EventTarget
 * does, thrown again later, outside the call (Node: on the next tick, as its
 * EventTarget does; elsewhere on a microtask), so one failing listener stops
 * neither the others nor the chart.
 */
const nextTick = (globalThis as { process?: { nextTick?(fn: () => void): void } }).process?.nextTick

export function reportLater(error: unknown): void {
  ;(nextTick ?? queueMicrotask)(() => {
    throw error
  })
}

/**
 * Promise probes for tests on fake timers: whether a promise has settled (and
 * with what error), read after the pending reactions ran.
 */

/** A settled-or-not probe for a promise, read after the microtasks ran. */
export function track(promise: Promise<unknown>) {
  const state = { settled: false, error: undefined as unknown }
  promise.then(
    () => {
      state.settled = true
    },
    (error) => {
      state.settled = true
      state.error = error
    },
  )
  return state
}

/** Lets pending promise reactions run (no timer involved, so fake timers do not matter). */
export async function microtasks(): Promise<void> {
  for (let i = 0; i < 20; i++) await Promise.resolve()
}

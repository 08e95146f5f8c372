/**
 * Waiting for a condition without sleeping: the condition is re-checked whenever
 * something it depends on reports a change (`subscribe` hands over a wake-up
 * function), and a generous safety timeout turns a hang into a clear failure.
 */
export function waitFor<T>(
  check: () => T | undefined | false,
  what: string | (() => string),
  timeout: number,
  subscribe: (wake: () => void) => () => void,
): Promise<T> {
  return new Promise<T>((resolve, reject) => {
    let unsubscribe = () => {}
    let timer: ReturnType<typeof setTimeout> | undefined
    const finish = () => {
      unsubscribe()
      if (timer !== undefined) clearTimeout(timer)
    }
    const wake = () => {
      let value: T | undefined | false
      try {
        value = check()
      } catch (error) {
        finish()
        reject(error)
        return
      }
      if (value) {
        finish()
        resolve(value)
      }
    }
    unsubscribe = subscribe(wake)
    timer = setTimeout(() => {
      unsubscribe()
      reject(
        new Error(
          `timed out after ${timeout} ms waiting for ${typeof what === 'function' ? what() : what}`,
        ),
      )
    }, timeout)
    wake()
  })
}

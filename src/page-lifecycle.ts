/**
 * The page-lifecycle actor: the chart invokes it in the states where the page's
 * state matters (`live` and `waitingToReconnect`), so its listeners exist exactly
 * while they can change something and are removed when it stops (in `closed`,
 * nothing of a connection stays registered on the page).
 *
 * It reports `network.offline` / `network.online` (window `offline` / `online`)
 * and `app.resume` (a page restored from the back/forward cache, visible again,
 * or unfrozen: its timers may have slept). When it starts it compares the page's
 * current online state with what the chart believes and reports a change it
 * missed while it was not listening.
 */
import { type EventObject, fromCallback } from 'xstate'
import type { ConnectionEvent, PageLifecycleInput } from '../machines/connection.js'
import type { LifecycleTargets } from './options.js'

/** `navigator.onLine` of the window target, when it has one (Node's stand-ins usually do not). */
function onLineOf(win: EventTarget | undefined): boolean | undefined {
  if (win === undefined) return undefined
  const own = (win as { navigator?: { onLine?: unknown } }).navigator?.onLine
  if (typeof own === 'boolean') return own
  if (win === (globalThis as { window?: unknown }).window) {
    const global = (globalThis as { navigator?: { onLine?: unknown } }).navigator?.onLine
    if (typeof global === 'boolean') return global
  }
  return undefined
}

/** The actor for a connection whose lifecycle targets `targetsOf` finds (undefined: none). */
export function createPageLifecycle(
  // biome-ignore lint/suspicious/noExplicitAny: any actor system, as XState types it
  targetsOf: (system: any) => LifecycleTargets | false | undefined,
) {
  return fromCallback<EventObject, PageLifecycleInput>(({ sendBack, input, system }) => {
    const targets = targetsOf(system)
    if (targets === undefined || targets === false) return undefined
    const send = sendBack as (event: ConnectionEvent) => void
    const { window: win, document: doc } = targets

    const onOffline = () => send({ type: 'network.offline' })
    const onOnline = () => send({ type: 'network.online' })
    const onResume = () => send({ type: 'app.resume' })
    // Only a page restored from the back/forward cache was asleep.
    const onPageShow = (event: Event) => {
      if ((event as { persisted?: boolean }).persisted === true) onResume()
    }
    const onVisibility = () => {
      if (doc?.visibilityState !== 'hidden') onResume()
    }

    win?.addEventListener('offline', onOffline)
    win?.addEventListener('online', onOnline)
    win?.addEventListener('pageshow', onPageShow)
    doc?.addEventListener('visibilitychange', onVisibility)
    doc?.addEventListener('resume', onResume)

    const online = onLineOf(win)
    if (online === true && !input.online) onOnline()
    else if (online === false && input.online) onOffline()

    return () => {
      win?.removeEventListener('offline', onOffline)
      win?.removeEventListener('online', onOnline)
      win?.removeEventListener('pageshow', onPageShow)
      doc?.removeEventListener('visibilitychange', onVisibility)
      doc?.removeEventListener('resume', onResume)
    }
  })
}

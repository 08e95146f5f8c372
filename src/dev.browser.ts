/**
 * `#dev` for bundlers that build for the browser (its `browser` condition in
 * package.json "imports"): they replace `process.env.NODE_ENV` (esbuild, Vite
 * and webpack do for apps), so `DEV` is a constant and production bundles drop
 * every full message. See `dev.ts`.
 *
 * The message path and event target are the browser's own here. A browser's
 * WebSocket delivers native `MessageEvent`s and its EventTarget already runs a
 * listener added during a dispatch only from the next event on (DOM Standard,
 * "inner invoke"): what dev.ts takes from src/inbound.ts and
 * src/event-target.ts for Node (heartline's own event class over `ws`, the
 * late-listener deferral) stands aside in a browser anyway, so a browser
 * bundle leaves it out. Written here, not re-exported: esbuild folds `DEV`
 * into its importers only from a module that re-exports nothing.
 */
import type { MessageListeners as Full } from './inbound.js'

/** @internal */
export const DEV: boolean = process.env.NODE_ENV !== 'production'

/** @internal Every message is the platform's event, dispatched by the platform. */
export class MessageListeners implements Pick<Full, 'heard' | 'add' | 'remove' | 'deliver'> {
  /** Whether anything ever listened for messages: until then a message builds no event. */
  heard = false
  add(_listener: unknown, _options: unknown): void {}
  remove(_listener: unknown, _options: unknown): void {}
  deliver(target: EventTarget, data: unknown, origin: string): void {
    if (this.heard) target.dispatchEvent(new MessageEvent('message', { data, origin }))
  }
}

/** @internal The platform's EventTarget, unchanged. */
export const StandardEventTarget = EventTarget

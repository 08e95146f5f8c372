/**
 * src/event-target.ts as a bundle built for the browser takes it (package.json
 * `browser` field). A browser's EventTarget already runs a listener added
 * during a dispatch only from the next event on (DOM Standard, "inner
 * invoke"), where the full module's probe leaves it unchanged, so here it is
 * the platform's EventTarget itself and the bundle leaves Node's deferral out.
 */
export type {
  AddListenerOptions,
  AnyListener,
  ListenerOptions,
  RemoveListenerOptions,
} from './event-target.js'

export const StandardEventTarget = EventTarget

/**
 * An `EventTarget` that runs a listener added during a dispatch only from the
 * next event on, as the DOM Standard's "inner invoke" does (it walks the
 * listener list as it was when the dispatch began) and browsers do. Node's
 * EventTarget (20 at least) walks its live list instead; there, such listeners
 * are held back until the dispatch ends. Everywhere else this is the platform's
 * EventTarget unchanged.
 */

/*
 * The listener and option shapes of `addEventListener`, declared here as the DOM
 * Standard defines them (DOM's `AnyListener`,
 * `AddEventListenerOptions`, `EventListenerOptions`): the published declarations
 * then compile in a Node project without the DOM lib (`lib: ["es2022"]`,
 * `types: ["node"]`), and a browser's listeners and options still fit them.
 */

/** A listener: a function, or an object with `handleEvent`. */
export type AnyListener = ((event: Event) => void) | { handleEvent(event: Event): void }

/** `addEventListener`'s options object. */
export interface AddListenerOptions {
  capture?: boolean
  once?: boolean
  passive?: boolean
  signal?: AbortSignal
}

/** `removeEventListener`'s options object. */
export interface RemoveListenerOptions {
  capture?: boolean
}

/** Listener options as EventTarget takes them (a boolean is `capture`). */
export type ListenerOptions = boolean | AddListenerOptions
type Options = ListenerOptions

type Deferred = [string, AnyListener, Options | undefined]

let lateListenersRun: boolean | undefined
/** Probed once, on first need. */
function platformRunsLateListeners(): boolean {
  if (lateListenersRun === undefined) {
    const probe = new EventTarget()
    lateListenersRun = false
    // Node reads each next entry just before calling the one before it: the
    // late listener runs when another listener follows the one adding it.
    probe.addEventListener('x', () =>
      probe.addEventListener('x', () => {
        lateListenersRun = true
      }),
    )
    probe.addEventListener('x', () => undefined)
    probe.dispatchEvent(new Event('x'))
  }
  return lateListenersRun
}

/** The capture flag as EventTarget converts its options argument (WebIDL: an object or a boolean). */
export function captureOf(options: Options | RemoveListenerOptions | undefined): boolean {
  return typeof options === 'object' && options !== null
    ? Boolean(options.capture)
    : Boolean(options)
}

export class StandardEventTarget extends EventTarget {
  /**
   * Types being dispatched, on a platform that would run listeners added
   * meanwhile; null between dispatches, so an idle connection holds no array.
   */
  #busy: string[] | null = null
  /** Listeners added during such a dispatch, added once it ends (null while none). */
  #deferred: Deferred[] | null = null

  override addEventListener(type: string, listener: AnyListener | null, options?: Options): void {
    if (listener !== null && this.#busy?.includes(type)) {
      this.#deferred ??= []
      this.#deferred.push([type, listener, options])
      return
    }
    super.addEventListener(type, listener, options)
  }

  override removeEventListener(
    type: string,
    listener: AnyListener | null,
    options?: boolean | RemoveListenerOptions,
  ): void {
    if (this.#deferred !== null) {
      const capture = captureOf(options)
      this.#deferred = this.#deferred.filter(
        ([t, l, o]) => !(t === type && l === listener && captureOf(o) === capture),
      )
    }
    super.removeEventListener(type, listener, options)
  }

  override dispatchEvent(event: Event): boolean {
    if (!platformRunsLateListeners()) return super.dispatchEvent(event)
    this.#busy ??= []
    const busy = this.#busy
    busy.push(event.type)
    try {
      return super.dispatchEvent(event)
    } finally {
      busy.pop()
      if (busy.length === 0) {
        this.#busy = null
        const deferred = this.#deferred
        this.#deferred = null
        if (deferred !== null)
          for (const [type, listener, options] of deferred)
            super.addEventListener(type, listener, options)
      }
    }
  }
}

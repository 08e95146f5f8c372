/**
 * The inbound message path. Over a browser's WebSocket (and any socket that is
 * not `ws`) each message is the platform's own `MessageEvent`, dispatched by the
 * platform. Over `ws` in Node, where `MessageEvent` and `EventTarget` are written
 * in JavaScript and building and dispatching one costs about half of what `ws`
 * spends receiving a message, the connection does as `ws` does: it delivers its
 * own documented event class, `HeartlineMessageEvent`, calling the `message`
 * listeners itself while every one of them is a plain function (no `once`,
 * `signal`, capture or `handleEvent` object). Dispatching at a target with no
 * parent only calls those in order (DOM Standard, "dispatch" and "inner
 * invoke"). The first listener of another kind hands every later message to the
 * platform's dispatch, with the platform's `MessageEvent` (docs/drop-in.md).
 */

import { type AddListenerOptions, captureOf, type RemoveListenerOptions } from './event-target.js'
import { reportLater } from './report.js'

type Fn = (this: EventTarget, event: HeartlineMessageEvent) => unknown
interface Entry {
  fn: Fn
  removed: boolean
}

/** As Node's EventTarget treats what a listener returns: a rejected promise is reported as a throw. */
function settle(result: unknown): void {
  const then = (result as { then?: unknown }).then
  if (typeof then === 'function') then.call(result, undefined, reportLater)
}

/**
 * The time origin's clock, read once per synchronous run of deliveries (one socket
 * read delivers its messages in one run, and a clock read costs ~40 ns): every
 * event of a run has the run's start as its `timeStamp`.
 */
let stamp = -1
const clearStamp = () => {
  stamp = -1
}
function runStamp(): number {
  if (stamp < 0) {
    stamp = performance.now()
    queueMicrotask(clearStamp)
  }
  return stamp
}

const STOP = 1
const STOP_NOW = 2
const BUBBLES = 4
const CANCELABLE = 8
const CANCELED = 16
/** Listeners are running (eventPhase AT_TARGET). */
const AT_TARGET = 32

/**
 * heartline's own message event, delivered over `ws` in Node as `ws` delivers
 * its own: it has every member of the DOM's `MessageEvent`, reading as the
 * platform's event dispatched at a target with no parent would (`currentTarget`
 * and `eventPhase` are the connection and 2 while listeners run, `null` and 0
 * after; `stopImmediatePropagation()` skips the later listeners). It is not an
 * instance of the platform's `Event`: to dispatch a message elsewhere, build a
 * `MessageEvent` from its fields.
 */
export class HeartlineMessageEvent {
  static readonly NONE = 0
  static readonly CAPTURING_PHASE = 1
  static readonly AT_TARGET = 2
  static readonly BUBBLING_PHASE = 3
  get NONE(): 0 {
    return 0
  }
  get CAPTURING_PHASE(): 1 {
    return 1
  }
  get AT_TARGET(): 2 {
    return 2
  }
  get BUBBLING_PHASE(): 3 {
    return 3
  }
  readonly #target: EventTarget
  readonly #data: unknown
  readonly #origin: string
  readonly #timeStamp: number
  #flags = AT_TARGET
  /** What few events ever need (a type changed by initEvent, a read of ports), kept off the hot path. */
  #rare: { type: string; ports?: unknown[] } | undefined

  constructor(target: EventTarget, data: unknown, origin: string) {
    this.#target = target
    this.#data = data
    this.#origin = origin
    this.#timeStamp = runStamp()
  }
  /** Whether `stopImmediatePropagation()` was called (the delivery stops). */
  static stopped(event: HeartlineMessageEvent): boolean {
    return (event.#flags & STOP_NOW) !== 0
  }
  /** The delivery ended: `currentTarget` and `eventPhase` read as after a dispatch. */
  static ended(event: HeartlineMessageEvent): void {
    event.#flags &= ~AT_TARGET
  }
  get type(): string {
    return this.#rare?.type ?? 'message'
  }
  get data(): unknown {
    return this.#data
  }
  get origin(): string {
    return this.#origin
  }
  get lastEventId(): string {
    return ''
  }
  get source(): null {
    return null
  }
  get ports(): unknown[] {
    this.#rare ??= { type: 'message' }
    this.#rare.ports ??= []
    return this.#rare.ports
  }
  get target(): EventTarget {
    return this.#target
  }
  get srcElement(): EventTarget {
    return this.#target
  }
  get currentTarget(): EventTarget | null {
    return (this.#flags & AT_TARGET) !== 0 ? this.#target : null
  }
  get eventPhase(): number {
    return (this.#flags & AT_TARGET) !== 0 ? 2 : 0
  }
  get bubbles(): boolean {
    return (this.#flags & BUBBLES) !== 0
  }
  get cancelable(): boolean {
    return (this.#flags & CANCELABLE) !== 0
  }
  get composed(): boolean {
    return false
  }
  get isTrusted(): boolean {
    return false
  }
  get defaultPrevented(): boolean {
    return (this.#flags & (CANCELABLE | CANCELED)) === (CANCELABLE | CANCELED)
  }
  get returnValue(): boolean {
    return !this.defaultPrevented
  }
  set returnValue(value: unknown) {
    if (!value) this.preventDefault()
  }
  get cancelBubble(): boolean {
    return (this.#flags & STOP) !== 0
  }
  set cancelBubble(value: unknown) {
    if (value) this.#flags |= STOP
  }
  get timeStamp(): number {
    return this.#timeStamp
  }
  composedPath(): EventTarget[] {
    return (this.#flags & AT_TARGET) !== 0 ? [this.#target] : []
  }
  preventDefault(): void {
    this.#flags |= CANCELED
  }
  stopPropagation(): void {
    this.#flags |= STOP
  }
  stopImmediatePropagation(): void {
    this.#flags |= STOP | STOP_NOW
  }
  initEvent(type: string, bubbles = false, cancelable = false): void {
    if ((this.#flags & AT_TARGET) !== 0) return
    this.#rare = { ...this.#rare, type: `${type}` }
    this.#flags = (this.#flags & ~(BUBBLES | CANCELABLE)) | (bubbles ? BUBBLES : 0)
    if (cancelable) this.#flags |= CANCELABLE
  }
}

/**
 * The `message` listeners of one connection, mirrored from its
 * add/removeEventListener calls while they are all plain functions (only where
 * the connection delivers its own events); once one is not, the platform's
 * dispatch takes over for good.
 */
export class MessageListeners {
  /** Replaced, never changed in place: a running delivery keeps the list it began with. */
  #list: Entry[] | null
  /**
   * Whether anything ever listened for messages (a handler or a listener): until
   * then an inbound message builds no event at all.
   */
  heard = false

  /** `own`: deliver heartline's own events to plain listeners (over `ws`). */
  constructor(own: boolean) {
    this.#list = own ? [] : null
  }

  /** After the platform accepted `listener` for `message`. */
  add(listener: unknown, options: unknown): void {
    const list = this.#list
    if (list === null) return
    const o = options as AddListenerOptions | null | undefined
    const plain =
      typeof listener === 'function' &&
      (typeof o === 'object' && o !== null ? !o.capture && !o.once && o.signal === undefined : !o)
    if (!plain) this.#list = null
    else if (!list.some((e) => e.fn === listener))
      this.#list = [...list, { fn: listener as Fn, removed: false }]
  }

  /** `options` as passed to removeEventListener. */
  remove(listener: unknown, options: boolean | RemoveListenerOptions | undefined): void {
    const list = this.#list
    if (list === null || captureOf(options)) return
    const at = list.findIndex((e) => e.fn === listener)
    if (at < 0) return
    ;(list[at] as Entry).removed = true
    this.#list = list.filter((_, i) => i !== at)
  }

  /** One event per message, as the standard requires, and none when nobody listens. */
  deliver(target: EventTarget, data: unknown, origin: string): void {
    const list = this.#list
    if (list !== null) call(list, target, data, origin)
    else if (this.heard) target.dispatchEvent(new MessageEvent('message', { data, origin }))
  }
}

/** Calls every listener, in order, with one message event. */
function call(list: Entry[], target: EventTarget, data: unknown, origin: string): void {
  const n = list.length
  if (n === 0) return
  const event = new HeartlineMessageEvent(target, data, origin)
  for (let i = 0; i < n; i++) {
    const entry = list[i] as Entry
    // A listener removed by an earlier one is not called ("inner invoke", step 2).
    if (entry.removed) continue
    try {
      const result = entry.fn.call(target, event)
      if (result != null) settle(result)
    } catch (error) {
      reportLater(error)
    }
    if (HeartlineMessageEvent.stopped(event)) break
  }
  HeartlineMessageEvent.ended(event)
}

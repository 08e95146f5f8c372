/**
 * The inbound message path where the platform's `MessageEvent` and `EventTarget`
 * are written in JavaScript (Node, Deno): there, building a `MessageEvent` and
 * dispatching it cost about half of what `ws` spends receiving a message. While
 * every `message` listener is a plain function (no `once`, `signal`, capture or
 * `handleEvent` object), dispatching at a target with no parent only calls them in
 * order (DOM Standard, "dispatch" and "inner invoke"), so this module calls them
 * itself, with an event that reads as that dispatched `MessageEvent`. Anything
 * else, and every platform whose `MessageEvent` is native (browsers), goes
 * through the platform's own dispatch.
 */

import type { AddListenerOptions } from './event-target.js'
import { type Slot, slots } from './handlers.js'

type Fn = (this: EventTarget, event: Event) => unknown
interface Entry {
  fn: Fn
  /** Set when `fn` is an `on<type>` handler's place: the handler is called without it. */
  slot: Slot | undefined
  removed: boolean
}

const later = (globalThis as { process?: { nextTick?(fn: () => void): void } }).process?.nextTick

/** As the platform's EventTarget reports a listener's exception: thrown again later (Node: next tick). */
function report(error: unknown): void {
  ;(later ?? queueMicrotask)(() => {
    throw error
  })
}

/** As Node's EventTarget treats what a listener returns: a rejected promise is reported as a throw. */
function settle(result: unknown): void {
  const then = (result as { then?: unknown }).then
  if (typeof then === 'function') then.call(result, undefined, report)
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

/** What few events ever need (a type changed by initEvent, a read of ports), kept off the hot path. */
const rare = new WeakMap<object, { type: string; ports?: unknown[] }>()

/**
 * A `MessageEvent` as the platform dispatches it at a target with no parent. Its
 * prototype chain holds `MessageEvent.prototype` (`instanceof`, the phase
 * constants); its own accessors and methods shadow every brand-checked member
 * there, with the same names, arities and enumerability (fields are private:
 * reading a member off anything else throws a TypeError, as a brand check does).
 */
class Inbound {
  #target: EventTarget
  #data: unknown
  #origin: string
  #timeStamp: number
  #flags = AT_TARGET
  constructor(target: EventTarget, data: unknown, origin: string) {
    this.#target = target
    this.#data = data
    this.#origin = origin
    this.#timeStamp = runStamp()
  }
  static done(event: Inbound): boolean {
    return (event.#flags & STOP_NOW) !== 0
  }
  static end(event: Inbound): void {
    event.#flags &= ~AT_TARGET
  }
  get type() {
    return this.#is(rare.get(this)?.type ?? 'message')
  }
  get data() {
    return this.#data
  }
  get origin() {
    return this.#origin
  }
  /** Throws a TypeError on anything but an Inbound, as the platform's brand checks do. */
  #is<T>(value: T): T {
    return value
  }
  get lastEventId() {
    return this.#is('')
  }
  get source() {
    return this.#is(null)
  }
  get ports() {
    const own = rare.get(this) ?? { type: this.type }
    rare.set(this, own)
    own.ports ??= []
    return own.ports
  }
  get target() {
    return this.#target
  }
  get srcElement() {
    return this.#target
  }
  get currentTarget() {
    return (this.#flags & AT_TARGET) !== 0 ? this.#target : null
  }
  get eventPhase() {
    return (this.#flags & AT_TARGET) !== 0 ? 2 : 0
  }
  get bubbles() {
    return (this.#flags & BUBBLES) !== 0
  }
  get cancelable() {
    return (this.#flags & CANCELABLE) !== 0
  }
  get composed() {
    return this.#is(false)
  }
  get isTrusted() {
    return this.#is(false)
  }
  get defaultPrevented() {
    return (this.#flags & (CANCELABLE | CANCELED)) === (CANCELABLE | CANCELED)
  }
  get returnValue() {
    return !this.defaultPrevented
  }
  set returnValue(value: unknown) {
    if (!value) this.preventDefault()
  }
  get cancelBubble() {
    return (this.#flags & STOP) !== 0
  }
  set cancelBubble(value: unknown) {
    if (value) this.#flags |= STOP
  }
  get timeStamp() {
    return this.#timeStamp
  }
  composedPath() {
    return (this.#flags & AT_TARGET) !== 0 ? [this.#target] : []
  }
  preventDefault() {
    this.#flags |= CANCELED
  }
  stopPropagation() {
    this.#flags |= STOP
  }
  stopImmediatePropagation() {
    this.#flags |= STOP | STOP_NOW
  }
  initEvent(type: string, bubbles = false, cancelable = false) {
    if ((this.#flags & AT_TARGET) !== 0) return
    rare.set(this, { ...rare.get(this), type: `${type}` })
    this.#flags = (this.#flags & ~(BUBBLES | CANCELABLE)) | (bubbles ? BUBBLES : 0)
    if (cancelable) this.#flags |= CANCELABLE
  }
  /** As Node prints a MessageEvent. */
  [Symbol.for('nodejs.util.inspect.custom')](
    depth: number,
    options: object,
    inspect: (value: unknown, options: object) => string,
  ) {
    if (depth < 0) return 'MessageEvent'
    const shown = {
      type: this.type,
      defaultPrevented: (this.#flags & CANCELED) !== 0,
      cancelable: this.cancelable,
      timeStamp: this.#timeStamp,
    }
    return `MessageEvent ${inspect(shown, options)}`
  }
}

/**
 * Gives Inbound's members the platform's enumerability and setters and puts
 * `MessageEvent.prototype` under them; false (the platform's dispatch stays in
 * charge) where `MessageEvent` is native or has a member Inbound does not shadow.
 */
function shape(): boolean {
  if (typeof MessageEvent !== 'function' || /\[native code\]/.test(String(MessageEvent)))
    return false
  const mine = Inbound.prototype
  for (const source of [Event.prototype, MessageEvent.prototype]) {
    for (const key of Reflect.ownKeys(source)) {
      const theirs = Object.getOwnPropertyDescriptor(source, key) as PropertyDescriptor
      if (key === 'constructor' || !(theirs.get || typeof theirs.value === 'function')) continue
      const own = Object.getOwnPropertyDescriptor(mine, key)
      if (own === undefined) return false
      own.enumerable = theirs.enumerable
      if (own.set && !theirs.set) own.set = undefined
      Object.defineProperty(mine, key, own)
    }
  }
  Object.defineProperty(mine, 'constructor', { value: MessageEvent })
  Object.setPrototypeOf(mine, MessageEvent.prototype)
  return true
}

let shaped: boolean | undefined

/**
 * Whether connections made from now on take the direct path where the platform
 * allows it (on by default; the differential tests compare both paths).
 */
export function setDirectPath(on: boolean): void {
  enabled = on
}
let enabled = true

/**
 * The `message` listeners of one target, mirrored from its add/removeEventListener
 * calls while they are all plain functions; once one is not, the platform's
 * dispatch takes over for good (`direct` reads false).
 */
export class MessageListeners {
  /** Replaced, never changed in place: a running delivery keeps the list it began with. */
  #list: Entry[] | null

  constructor() {
    shaped ??= shape()
    this.#list = shaped && enabled ? [] : null
  }

  get direct(): boolean {
    return this.#list !== null
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
      this.#list = [...list, { fn: listener as Fn, slot: slots.get(listener), removed: false }]
  }

  remove(listener: unknown, capture: boolean): void {
    const list = this.#list
    if (list === null || capture) return
    const at = list.findIndex((e) => e.fn === listener)
    if (at < 0) return
    ;(list[at] as Entry).removed = true
    this.#list = list.filter((_, i) => i !== at)
  }

  /** Calls every listener, in order, with one message event (only while `direct`). */
  deliver(target: EventTarget, data: unknown, origin: string): void {
    const list = this.#list as Entry[]
    const n = list.length
    if (n === 0) return
    const event = new Inbound(target, data, origin)
    for (let i = 0; i < n; i++) {
      const entry = list[i] as Entry
      // A listener removed by an earlier one is not called ("inner invoke", step 2).
      if (entry.removed) continue
      try {
        const slot = entry.slot
        if (slot === undefined) {
          const result = entry.fn.call(target, event as unknown as Event)
          if (result != null) settle(result)
        } else {
          // As the handler's own listener does (src/handlers.ts): false cancels.
          const handler = slot.value
          if (typeof handler === 'function' && handler.call(target, event) === false)
            event.preventDefault()
        }
      } catch (error) {
        report(error)
      }
      if (Inbound.done(event)) break
    }
    Inbound.end(event)
  }
}

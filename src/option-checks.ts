/**
 * The checks of `resolveOptions` that need more than its one message template
 * (unknown keys, options sections, subprotocol lists, constructors, event
 * targets) and the check of `send()`, each throwing an error that names the
 * option, what arrived and what is allowed.
 */

import { DEV } from '#dev'
import { describeValue as describe, domException } from './describe.js'
import { coded } from './error-code.js'
import type { LifecycleTargets, SendData } from './options.js'

/** Rejects keys an options object does not know (a typo would otherwise be ignored silently). */
export function knownKeys(
  name: string,
  value: Record<string, unknown>,
  known: readonly string[],
): void {
  for (const key of Object.keys(value)) {
    if (known.includes(key)) continue
    const near = known.find((k) => k.toLowerCase() === key.toLowerCase())
    throw new TypeError(
      DEV
        ? `heartline: unknown option \`${name}${key}\`${near ? ` (did you mean \`${name}${near}\`?)` : ''}; ` +
            `known ${name ? `\`${name.slice(0, -1)}\` options` : 'options'} are ${known.join(', ')}.`
        : coded('E02', name + key),
    )
  }
}

export function section(
  name: string,
  value: unknown,
  known: readonly string[],
): Record<string, unknown> | false | undefined {
  if (value === undefined || value === false) return value
  if (value === true) return {}
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    throw new TypeError(
      DEV
        ? `heartline: \`${name}\` must be an options object, true (defaults) or false (off); got ${describe(value)}.`
        : coded('E03', name),
    )
  }
  knownKeys(`${name}.`, value as Record<string, unknown>, known)
  return value as Record<string, unknown>
}

/** RFC 6455 §4.1: each subprotocol is an HTTP token (RFC 7230 §3.2.6), and no duplicates. */
const TOKEN = /^[!#$%&'*+\-.^_`|~0-9A-Za-z]+$/

export function checkProtocols(value: string | string[]): void {
  const list = typeof value === 'string' ? [value] : value
  const seen = new Set<string>()
  for (const p of list) {
    if (!TOKEN.test(p)) {
      throw domException(
        DEV
          ? `heartline: \`protocols\` entries must be non-empty HTTP tokens (letters, digits and !#$%&'*+-.^_\`|~, no spaces, commas or quotes); got ${describe(p)}.`
          : coded('E09'),
        'SyntaxError',
      )
    }
    if (seen.has(p)) {
      throw domException(
        DEV
          ? `heartline: \`protocols\` must not repeat a subprotocol; got ${describe(p)} twice.`
          : coded('E10'),
        'SyntaxError',
      )
    }
    seen.add(p)
  }
}

/** True for a function usable with `new` (classes, functions, bound constructors), without calling it. */
export function isConstructor(value: unknown): boolean {
  if (typeof value !== 'function') return false
  try {
    Reflect.construct(String, [], value)
    return true
  } catch {
    return false
  }
}

/**
 * What a `WebSocket` option that is not a WebSocket class is, for the error
 * message; null when it is one. A constructor qualifies when its prototype chain
 * has send, close and addEventListener (nothing is constructed, no brand is
 * faked), or, building its objects some other way (a factory function), when it
 * declares the interface's static constants CONNECTING 0 and OPEN 1.
 */
export function notWebSocketClass(ctor: unknown): string | null {
  // What is wrong, for the message; a production build has no message and returns ''.
  if (!isConstructor(ctor)) {
    return DEV
      ? typeof ctor === 'function'
        ? 'a function that cannot be called with new'
        : describe(ctor)
      : ''
  }
  const c = ctor as {
    CONNECTING?: unknown
    OPEN?: unknown
    prototype?: Record<string, unknown>
    name?: string
  }
  if (c.CONNECTING === 0 && c.OPEN === 1) return null
  const missing = ['send', 'close', 'addEventListener'].filter(
    (name) => typeof c.prototype?.[name] !== 'function',
  )
  return missing.length === 0
    ? null
    : DEV
      ? `a constructor (${c.name || 'anonymous'}) without ${missing.join(', ')}`
      : ''
}

export function isSendData(value: unknown): value is SendData {
  return (
    typeof value === 'string' ||
    value instanceof ArrayBuffer ||
    ArrayBuffer.isView(value) ||
    (typeof Blob !== 'undefined' && value instanceof Blob) ||
    (typeof SharedArrayBuffer !== 'undefined' && value instanceof SharedArrayBuffer)
  )
}

export function isEventTarget(value: unknown): value is EventTarget {
  return (
    typeof value === 'object' &&
    value !== null &&
    typeof (value as EventTarget).addEventListener === 'function' &&
    typeof (value as EventTarget).removeEventListener === 'function'
  )
}

export function resolveLifecycle(value: unknown): LifecycleTargets | false {
  if (value === false) return false
  if (value === undefined) {
    const g = globalThis as { window?: unknown; document?: unknown }
    const targets: LifecycleTargets = {}
    if (isEventTarget(g.window)) targets.window = g.window
    if (isEventTarget(g.document)) targets.document = g.document as LifecycleTargets['document']
    return targets
  }
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    throw new TypeError(
      DEV
        ? `heartline: \`lifecycle\` must be false or { window?, document? } event targets; got ${describe(value)}.`
        : coded('E11'),
    )
  }
  const v = value as Record<string, unknown>
  const targets: LifecycleTargets = {}
  for (const key of ['window', 'document'] as const) {
    const target = v[key]
    if (target === undefined) continue
    if (!isEventTarget(target)) {
      throw new TypeError(
        DEV
          ? `heartline: \`lifecycle.${key}\` must be an EventTarget (addEventListener/removeEventListener); got ${describe(target)}.`
          : coded('E12', `lifecycle.${key}`),
      )
    }
    targets[key] = target
  }
  return targets
}

/**
 * What `send()` sends, converted as `WebSocket.send` converts its argument (WebIDL
 * union `(BufferSource or Blob or USVString)`): binary data and strings as they
 * are, any other value as `String(value)` (`send(42)` sends "42", `send(null)`
 * "null"). Only a symbol, which has no string form, is refused.
 */
export function toSendData(data: unknown): SendData {
  if (isSendData(data)) return data
  if (typeof data === 'symbol') {
    throw new TypeError(
      DEV
        ? `heartline: send() takes a string, ArrayBuffer, ArrayBufferView, Blob or a value that converts to a string; got ${describe(data)}, which does not.`
        : coded('E13'),
    )
  }
  return String(data)
}

/** `send()`'s optional outcome listener: absent, or a function. */
export function checkOutcome(outcome: unknown): void {
  if (outcome === undefined || typeof outcome === 'function') return
  throw new TypeError(
    DEV
      ? `heartline: send()'s \`outcome\` must be a function; got ${describe(outcome)}.`
      : coded('E29'),
  )
}

/**
 * The one message template of option errors and the kinds of check built on it
 * (a kind of value, a number in a range, one of a few strings, an options
 * section). resolve-options.ts holds the table of which option gets which check.
 */

import { DEV } from '#dev'
import { describeValue as describe } from './describe.js'
import { coded } from './error-code.js'
import { section } from './option-checks.js'

/** One option's check: `value` as given, `name` for the message, `fallback` when undefined. */
export type Check = (value: unknown, name: string, fallback?: unknown) => unknown

/**
 * The one message template: TypeError for the wrong kind of value (E04), RangeError
 * for one out of range (E05); a production build names the code and the option.
 */
export function fail(kind: ErrorConstructor, name: string, allowed: string, value: unknown): never {
  throw new kind(
    DEV
      ? `heartline: \`${name}\` must ${allowed}; got ${describe(value)}.`
      : coded(kind === TypeError ? 'E04' : 'E05', name),
  )
}

/** A check that only tests the kind of value (TypeError). */
export const kind =
  (allowed: string, ok: (value: unknown) => boolean): Check =>
  (value, name, fallback) =>
    value === undefined ? fallback : ok(value) ? value : fail(TypeError, name, allowed, value)

/** A number: not a number (or NaN) is a TypeError, out of range a RangeError. */
export const number =
  (unit: string, range: string, ok: (n: number) => boolean): Check =>
  (value, name, fallback) => {
    if (value === undefined) return fallback
    if (typeof value !== 'number' || Number.isNaN(value)) {
      fail(TypeError, name, DEV ? `be a number${unit}` : '', value)
    }
    return ok(value) ? value : fail(RangeError, name, range, value)
  }

/** One of a few strings (RangeError). */
export const oneOf =
  (...allowed: string[]): Check =>
  (value, name, fallback) =>
    value === undefined
      ? fallback
      : allowed.includes(value as string)
        ? value
        : fail(
            RangeError,
            name,
            DEV ? `be one of ${allowed.map((a) => `'${a}'`).join(', ')}` : '',
            value,
          )

const MS = DEV ? ' of milliseconds' : ''
export const positiveMs = number(
  MS,
  DEV ? 'be a finite number > 0' : '',
  (n) => Number.isFinite(n) && n > 0,
)
export const zeroOrMoreMs = number(
  MS,
  DEV ? 'be a finite number ≥ 0' : '',
  (n) => Number.isFinite(n) && n >= 0,
)
export const aFunction = kind(DEV ? 'be a function' : '', (v) => typeof v === 'function')
export const aBoolean = kind(DEV ? 'be a boolean' : '', (v) => typeof v === 'boolean')

/** An options section (`true` takes the defaults, `false` turns it off), checked key by key. */
export const sectionOf =
  (checks: Record<string, Check>, defaults: Record<string, unknown>): Check =>
  (value, name) => {
    const given = section(name, value, Object.keys(checks))
    if (given === false) return false
    const resolved: Record<string, unknown> = {}
    for (const key in checks) {
      resolved[key] = (checks[key] as Check)(given?.[key], `${name}.${key}`, defaults[key])
    }
    return resolved
  }

/**
 * A section left at its defaults (undefined or `true`) resolves to one frozen
 * object that every connection shares, instead of a copy per connection.
 */
export function sharedDefaults(check: Check): Check {
  let defaults: unknown
  return (value, name) => {
    if (value !== undefined && value !== true) return check(value, name)
    defaults ??= Object.freeze(check(value, name) as object)
    return defaults
  }
}

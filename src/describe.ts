/**
 * How every heartline error names what arrived, and the one rule for numbers of
 * milliseconds, so each message reads the same way whichever option, call or
 * layer it comes from.
 */

/** Names a value for an error message: strings quoted, numbers with their type (NaN and ±Infinity bare), objects by kind. */
export function describeValue(value: unknown): string {
  if (typeof value === 'string') return JSON.stringify(value)
  // NaN and the infinities name themselves: "got NaN" reads better than "got number NaN".
  if (typeof value === 'number' && !Number.isFinite(value)) return String(value)
  if (typeof value === 'number' || typeof value === 'boolean' || typeof value === 'bigint') {
    return `${typeof value} ${String(value)}`
  }
  if (value === null) return 'null'
  if (value === undefined) return 'undefined'
  if (typeof value === 'symbol') return `a symbol (${String(value)})`
  if (typeof value === 'function') return 'a function'
  if (Array.isArray(value)) return 'an array'
  return `an object (${Object.prototype.toString.call(value).slice(8, -1)})`
}

/** The error a browser throws from the WebSocket interface: a DOMException with that name. */
export function domException(message: string, name: string): Error {
  if (typeof DOMException === 'function') return new DOMException(message, name)
  const error = new Error(message)
  error.name = name
  return error
}

/**
 * A number of milliseconds: `undefined` takes `fallback`; a non-number is a
 * TypeError, a value out of range (or not finite, unless allowed) a RangeError,
 * each naming the option.
 */
export function checkMs(
  name: string,
  value: unknown,
  fallback: number,
  {
    min,
    allowInfinity = false,
    scope = 'heartline',
  }: { min: 'zero' | 'positive'; allowInfinity?: boolean; scope?: string },
): number {
  if (value === undefined) return fallback
  if (typeof value !== 'number' || Number.isNaN(value)) {
    throw new TypeError(
      `${scope}: \`${name}\` must be a number of milliseconds; got ${describeValue(value)}.`,
    )
  }
  const bad =
    (!allowInfinity && !Number.isFinite(value)) || (min === 'zero' ? value < 0 : value <= 0)
  if (bad) {
    const range = min === 'zero' ? '≥ 0' : '> 0'
    throw new RangeError(
      `${scope}: \`${name}\` must be a finite number ${range}; got ${describeValue(value)}.`,
    )
  }
  return value
}

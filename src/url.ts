/** The URL rule of the WebSocket constructor (WHATWG WebSockets §3.1), with errors that say how to fix it. */
import { describeValue as describe } from './describe.js'

/** Validates a URL: ws:, wss:, or http(s): (mapped as the WHATWG WebSocket does), with a host. */
export function checkUrl(value: unknown, name = 'url'): string {
  let url: URL
  if (value instanceof URL) url = value
  else if (typeof value === 'string') {
    try {
      url = new URL(value)
    } catch {
      const authority = value.replace(/^[a-z][a-z0-9+.-]*:\/*/i, '').split(/[/?#]/)[0] ?? ''
      const host = authority.replace(/^.*@/, '').replace(/:\d*$/, '')
      const problem = !/^[a-z][a-z0-9+.-]*:/i.test(value)
        ? 'is not an absolute URL (WebSocket URLs have no base to resolve against)'
        : /^(wss?|https?):/i.test(value) && host === ''
          ? 'has no host'
          : 'is not a valid URL'
      throw new SyntaxError(
        `heartline: \`${name}\` ${problem}; got ${describe(value)}. Use ws://host/path or wss://host/path.`,
      )
    }
  } else {
    throw new TypeError(
      `heartline: \`${name}\` must be a string, a URL or a function returning one; got ${describe(value)}.`,
    )
  }
  if (url.protocol === 'http:') url.protocol = 'ws:'
  else if (url.protocol === 'https:') url.protocol = 'wss:'
  if (url.protocol !== 'ws:' && url.protocol !== 'wss:') {
    throw new SyntaxError(
      `heartline: \`${name}\` must use ws: or wss: (http: and https: are mapped to them); got ${JSON.stringify(url.protocol)} in ${describe(String(value))}.`,
    )
  }
  if (url.hostname === '') {
    throw new SyntaxError(`heartline: \`${name}\` has no host; got ${describe(String(value))}.`)
  }
  // `hash` reads '' for a bare '#', which is still a fragment.
  if (url.href.includes('#')) {
    throw new SyntaxError(
      `heartline: \`${name}\` must not have a fragment (WebSocket URLs cannot); got ${describe(String(value))}.`,
    )
  }
  return url.href
}

/**
 * The URL rule of the WebSocket constructor (WHATWG WebSockets, "new
 * WebSocket(url, protocols)"): parsed against the page's base URL (none in
 * Node), http(s) mapped to ws(s), any other scheme and any fragment refused with
 * a SyntaxError DOMException; with errors that say how to fix it.
 */
import { describeValue as describe, domException } from './describe.js'

/** The base URL a browser resolves against: the document's, or the worker's location. */
function pageBase(): string | undefined {
  const g = globalThis as { document?: { baseURI?: string }; location?: { href?: string } }
  return g.document?.baseURI ?? g.location?.href
}

function refuse(message: string): never {
  throw domException(message, 'SyntaxError')
}

/** Validates a URL: ws:, wss:, or http(s): (mapped as the WHATWG WebSocket does), with a host. */
export function checkUrl(value: unknown, name = 'url'): string {
  let url: URL
  if (value instanceof URL) url = new URL(value.href)
  else if (typeof value === 'string') {
    const base = pageBase()
    try {
      url = new URL(value, base)
    } catch {
      const authority = value.replace(/^[a-z][a-z0-9+.-]*:\/*/i, '').split(/[/?#]/)[0] ?? ''
      const host = authority.replace(/^.*@/, '').replace(/:\d*$/, '')
      const problem = !/^[a-z][a-z0-9+.-]*:/i.test(value)
        ? base === undefined
          ? 'is not an absolute URL (there is no page to resolve it against)'
          : 'is not a valid URL'
        : /^(wss?|https?):/i.test(value) && host === ''
          ? 'has no host'
          : 'is not a valid URL'
      refuse(
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
    refuse(
      `heartline: \`${name}\` must use ws: or wss: (http: and https: are mapped to them); got ${JSON.stringify(url.protocol)} in ${describe(String(value))}.`,
    )
  }
  if (url.hostname === '') {
    refuse(`heartline: \`${name}\` has no host; got ${describe(String(value))}.`)
  }
  // `hash` reads '' for a bare '#', which is still a fragment.
  if (url.href.includes('#')) {
    refuse(
      `heartline: \`${name}\` must not have a fragment (WebSocket URLs cannot); got ${describe(String(value))}.`,
    )
  }
  return url.href
}

/**
 * The URL rule of the WebSocket constructor (WHATWG WebSockets, "new
 * WebSocket(url, protocols)"): parsed against the page's base URL (none in
 * Node), http(s) mapped to ws(s), any other scheme and any fragment refused with
 * a SyntaxError DOMException; with errors that say how to fix it.
 */

import { DEV } from '#dev'
import { describeValue as describe, domException } from './describe.js'
import { coded } from './error-code.js'

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
      // One expression, so that a production build drops all of it (see dev.ts).
      refuse(
        DEV
          ? `heartline: \`${name}\` ${
              !/^[a-z][a-z0-9+.-]*:/i.test(value)
                ? base === undefined
                  ? 'is not an absolute URL (there is no page to resolve it against)'
                  : 'is not a valid URL'
                : /^(wss?|https?):/i.test(value) &&
                    (value.replace(/^[a-z][a-z0-9+.-]*:\/*/i, '').split(/[/?#]/)[0] ?? '')
                      .replace(/^.*@/, '')
                      .replace(/:\d*$/, '') === ''
                  ? 'has no host'
                  : 'is not a valid URL'
            }; got ${describe(value)}. Use ws://host/path or wss://host/path.`
          : coded('E15', name),
      )
    }
  } else {
    throw new TypeError(
      DEV
        ? `heartline: \`${name}\` must be a string, a URL or a function returning one; got ${describe(value)}.`
        : coded('E14', name),
    )
  }
  if (url.protocol === 'http:') url.protocol = 'ws:'
  else if (url.protocol === 'https:') url.protocol = 'wss:'
  if (url.protocol !== 'ws:' && url.protocol !== 'wss:') {
    refuse(
      DEV
        ? `heartline: \`${name}\` must use ws: or wss: (http: and https: are mapped to them); got ${JSON.stringify(url.protocol)} in ${describe(String(value))}.`
        : coded('E16', name),
    )
  }
  if (url.hostname === '') {
    refuse(
      DEV
        ? `heartline: \`${name}\` has no host; got ${describe(String(value))}.`
        : coded('E17', name),
    )
  }
  // `hash` reads '' for a bare '#', which is still a fragment.
  if (url.href.includes('#')) {
    refuse(
      DEV
        ? `heartline: \`${name}\` must not have a fragment (WebSocket URLs cannot); got ${describe(String(value))}.`
        : coded('E18', name),
    )
  }
  return url.href
}

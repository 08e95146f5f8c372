/**
 * The checks on what the shared layer is given, made in the calling tab: the
 * options at creation (before any socket exists, whichever tab leads later) and
 * each message before it leaves the tab.
 */

import { describeValue as describe } from '../describe.js'
import type { ConnectionOptions, SendData, UrlProvider } from '../index.js'
import { toSendData as coreToSendData } from '../option-checks.js'
import { resolveOptions } from '../resolve-options.js'
import { checkUrl } from '../url.js'

/** The same conversion as `Connection.send` (and its error), done in the sending tab, before the message leaves it. */
export function toSendData(data: unknown): SendData {
  return coreToSendData(data)
}

/** Checks what `createSharedConnection` was given, in every tab, before any socket exists. */
export function checkSharedOptions(
  url: UrlProvider,
  name: unknown,
  forwarded: ConnectionOptions,
): void {
  if (name !== undefined && (typeof name !== 'string' || name === '')) {
    throw new TypeError(
      `heartline/shared: option \`name\` must be a non-empty string; got ${name === '' ? 'an empty string' : describe(name)}.`,
    )
  }
  if (name === undefined && typeof url === 'function') {
    throw new TypeError(
      'heartline/shared: option `name` is required when `url` is a function (tabs share by name: pass the same name in every tab).',
    )
  }
  // The socket is opened by whichever tab leads, maybe much later: the core's
  // own checks of the options and the url run now, in every tab, in the order a
  // connection runs them (no socket made, no url or protocols provider called).
  resolveOptions(forwarded)
  if (typeof url !== 'function') checkUrl(url)
}

/**
 * The checks on what the shared layer is given, made in the calling tab: the
 * options at creation (before any socket exists, whichever tab leads later) and
 * each message before it leaves the tab.
 */

import { describeValue as describe } from '../describe.js'
import {
  type ConnectionOptions,
  createConnection,
  type SendData,
  type UrlProvider,
  type WebSocketConstructor,
} from '../index.js'
import { toSendData as coreToSendData } from '../option-checks.js'

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
  // The socket is opened by whichever tab leads, maybe much later: the core
  // checks the url and the options now, in every tab, through a connection whose
  // socket constructor refuses at once (the core reports that only on a later
  // microtask, by which time the probe is closed). Callbacks that a dial would
  // call (a url or protocols provider) are left out, so none runs twice.
  const { inspect: _inspect, protocols, ...options } = forwarded
  const Ctor = options.WebSocket ?? (globalThis as { WebSocket?: unknown }).WebSocket
  createConnection(typeof url === 'function' ? () => new Promise<string>(() => {}) : url, {
    ...options,
    ...(typeof protocols === 'function' ? {} : { protocols }),
    lifecycle: false,
    // Without a usable constructor the core's own error says what to pass.
    ...(typeof Ctor === 'function' ? { WebSocket: Refuse as unknown as WebSocketConstructor } : {}),
  }).close()
}

class Refuse {
  constructor() {
    throw new Error('heartline/shared: option check only, never dials')
  }
}

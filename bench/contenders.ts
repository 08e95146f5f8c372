/**
 * The clients compared on the data path, each over `ws` and each used the same
 * way: `addEventListener('open' | 'message', fn)`, `send(data)`, `close()`.
 */
import { WebSocket as PartySocketWS } from 'partysocket'
import ReconnectingWebSocket from 'reconnecting-websocket'
import WS from 'ws'
import { createConnection } from '../src/index.js'

export interface Client {
  addEventListener(type: 'open' | 'message', listener: (event: { data: unknown }) => void): void
  send(data: string): void
  close(): void
}

export type ContenderName = 'ws' | 'heartline' | 'reconnecting-websocket' | 'partysocket'

// The package's CommonJS typings do not describe its default export as a class.
const RWS = ReconnectingWebSocket as unknown as new (
  url: string,
  protocols: string[],
  options: { WebSocket: unknown },
) => Client

export const CONTENDERS: Record<ContenderName, (url: string) => Client> = {
  ws: (url) => new WS(url) as unknown as Client,
  heartline: (url) => createConnection(url, { WebSocket: WS }) as unknown as Client,
  'reconnecting-websocket': (url) => new RWS(url, [], { WebSocket: WS }),
  partysocket: (url) => new PartySocketWS(url, [], { WebSocket: WS }) as unknown as Client,
}

/**
 * Attach mode: streams a connection's inspection events to a running inspector
 * (`npm start` prints the address), which shows that connection read-only, the
 * way it shows its own. The stream is a heartline connection itself: queued while
 * the inspector is not reachable (bounded, oldest dropped), reconnecting with
 * backoff, so an app never waits on its inspector.
 */
import type { InspectionEvent, Observer } from 'xstate'
import { type Connection, createConnection } from '../connection.js'
import { describeValue } from '../describe.js'
import type { ConnectionOptions } from '../options.js'
import { type InspectionRecord, redactUrl, toRecord } from './inspection.js'

export interface InspectorBridgeOptions {
  /**
   * The WebSocket constructor for the stream (on Node 20 pass `WebSocket` from `ws`).
   * @default globalThis.WebSocket
   */
  WebSocket?: ConnectionOptions['WebSocket']
  /**
   * The name the inspector lists this connection under.
   * @default 'app'
   */
  name?: string
  /**
   * The URL of the connection being inspected, shown by the inspector. Credentials
   * and query values are redacted unless `revealUrls` is true.
   * @default undefined (not shown)
   */
  target?: string
  /**
   * Stream URLs (in `target`, events, errors and context) as they are. By default
   * credentials and query values (tokens) are replaced by `***` before they leave
   * the process.
   * @default false
   */
  revealUrls?: boolean
  /**
   * Records held while the inspector is not reachable; the oldest go first.
   * @default 2000
   */
  buffer?: number
}

/** An XState inspection observer that also owns the stream to the inspector. */
export interface InspectorBridge extends Observer<InspectionEvent> {
  next(event: InspectionEvent): void
  /** Stops streaming and closes the stream's socket. */
  close(): void
  /** The stream's own connection (for its state, or to wait for `open`). */
  readonly connection: Connection
}

/** The first message on every stream socket: who is talking. */
export interface BridgeHello {
  kind: 'hello'
  bridge: string
  name: string
  target: string | null
  at: number
}

/** Every later message: one inspection record. */
export interface BridgeMessage {
  kind: 'record'
  bridge: string
  record: InspectionRecord
}

function randomId(): string {
  return Math.random().toString(36).slice(2, 10)
}

/**
 * An inspection observer streaming to the inspector at `url`:
 * `createConnection(appUrl, { inspect: inspectorBridge('ws://127.0.0.1:5173/attach') })`.
 */
export function inspectorBridge(
  url: string,
  options: InspectorBridgeOptions = {},
): InspectorBridge {
  if (typeof options !== 'object' || options === null) {
    throw new TypeError(
      `heartline: inspectorBridge() options must be an object; got ${describeValue(options)}.`,
    )
  }
  const name = options.name ?? 'app'
  if (typeof name !== 'string') {
    throw new TypeError(
      `heartline: inspectorBridge \`name\` must be a string; got ${describeValue(name)}.`,
    )
  }
  const buffer = options.buffer ?? 2000
  if (!Number.isInteger(buffer) || buffer < 1) {
    throw new RangeError(
      `heartline: inspectorBridge \`buffer\` must be a whole number ≥ 1; got ${describeValue(buffer)}.`,
    )
  }
  const reveal = options.revealUrls === true
  const target =
    options.target === undefined ? null : reveal ? options.target : redactUrl(options.target)
  const bridge = randomId()

  const connectionOptions: ConnectionOptions = {
    heartbeat: false,
    reconnect: { initialDelay: 500, maxDelay: 5000 },
    queue: { max: buffer, overflow: 'drop-oldest' },
  }
  if (options.WebSocket !== undefined) connectionOptions.WebSocket = options.WebSocket
  const connection = createConnection(url, connectionOptions)
  const hello = (): string =>
    JSON.stringify({ kind: 'hello', bridge, name, target, at: Date.now() } satisfies BridgeHello)
  // Queued first, so the inspector knows the stream before its first record; sent
  // again on every later socket, since the inspector may have restarted.
  connection.send(hello())
  let opens = 0
  connection.addEventListener('open', () => {
    opens += 1
    if (opens > 1) connection.send(hello())
  })
  let closed = false

  return {
    connection,
    next(event: InspectionEvent) {
      if (closed) return
      const record = toRecord(event, { revealUrls: reveal })
      if (record === null) return
      connection.send(JSON.stringify({ kind: 'record', bridge, record } satisfies BridgeMessage))
    },
    error() {},
    complete() {},
    close() {
      closed = true
      connection.close(1000, 'bridge closed')
    },
  }
}

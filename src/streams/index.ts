/**
 * WHATWG streams over a connection, with backpressure both ways, built on its
 * public interface only: `send()`, `bufferedAmount` and
 * `whenBufferedAmountLow()` for the writable (with `resume`, also the session's
 * `whenAcknowledged()`); the `message` event and `pauseReading()` for the
 * readable. docs/flow-control.md.
 *
 * @module heartline/streams
 */

import { byteSize } from '../byte-size.js'
import type { Connection } from '../connection.js'
import type { CloseEventDetails, DropEvent, ResetEvent, StateChangeEvent } from '../events.js'
import type { SendData } from '../options.js'
import { keptSize } from '../resume/outgoing.js'
import { sessionOf, whenAcknowledged } from '../resume/registry.js'

export {
  StreamSocket,
  type StreamSocketCloseEvent,
  type StreamSocketHandler,
  type StreamSocketMessageEvent,
} from './socket.js'

export interface StreamsOptions {
  /**
   * Bytes. The writable waits while the connection's `bufferedAmount` is above
   * it (across reconnects: queued bytes count); the readable pauses reading from
   * the network when it holds this much unread. @default 1048576 (1 MiB)
   */
  highWaterMark?: number
  /**
   * Bytes the readable may hold unread before it fails with a RangeError (the
   * loss is reported, never silent). Where the socket cannot pause (a browser's
   * WebSocket) this is the only bound; where it can (`ws`, `StreamSocket`), it
   * bounds what arrives after the pause. At least `highWaterMark`. @default 16777216 (16 MiB)
   */
  maxBytes?: number
  /** Close code sent when the writable is aborted. @default 4000 */
  abortCode?: number
}

export interface ConnectionStreams {
  /** Messages as they arrive (strings, and binary data as the connection's `binaryType` gives it). */
  readable: ReadableStream<unknown>
  /** Each chunk is one `send()`; `close()` closes the connection once everything is handed to the network. */
  writable: WritableStream<SendData>
}

/**
 * A socket ended while a stream was in use and, without `resume`, what was in
 * flight may be lost: the stream fails with this instead of carrying on with a
 * gap. With `resume` on it fails only when the session was lost (`reset`).
 */
export class StreamInterruptedError extends Error {
  override readonly name = 'StreamInterruptedError'
  constructor(
    message: string,
    /** The close (or reset) event behind it. */
    readonly event: Event,
  ) {
    super(message)
  }
}

function bytesOption(value: unknown, name: string, fallback: number, least = 1): number {
  if (value === undefined) return fallback
  if (typeof value === 'number' && Number.isFinite(value) && value >= least) return value
  throw new RangeError(
    `heartline/streams: \`${name}\` must be a finite number of bytes ≥ ${least}; got ${String(value)}.`,
  )
}

/** The size of a message, as the readable's queue counts it. */
function messageSize(data: unknown): number {
  if (typeof data === 'string' || data instanceof ArrayBuffer || ArrayBuffer.isView(data)) {
    return byteSize(data as SendData)
  }
  if (typeof Blob !== 'undefined' && data instanceof Blob) return data.size
  // `ws`'s `fragments`: an array of Buffers.
  if (Array.isArray(data)) return data.reduce((n: number, b: Uint8Array) => n + b.byteLength, 0)
  return 0
}

/**
 * `{ readable, writable }` over `connection`. The readable holds the network
 * back where the connection's socket can pause: `ws` in Node, `StreamSocket`
 * (WebSocketStream) in Chromium, given as the connection's `WebSocket` option.
 * Without `resume`, a socket that ends while a stream is in use fails that
 * stream (`StreamInterruptedError`): bytes in flight may be lost. With `resume` on, both carry on across
 * reconnects, every message once and in order.
 */
export function toStreams(connection: Connection, options: StreamsOptions = {}): ConnectionStreams {
  const highWaterMark = bytesOption(options.highWaterMark, 'highWaterMark', 1 << 20)
  const maxBytes = bytesOption(options.maxBytes, 'maxBytes', 16 << 20, highWaterMark)
  const abortCode = options.abortCode ?? 4000
  const resumable = sessionOf(connection) !== undefined
  const cleanups: Array<() => void> = []
  const listen = <E extends Event>(type: string, fn: (event: E) => void) => {
    connection.addEventListener(type, fn as (event: Event) => void)
    cleanups.push(() => connection.removeEventListener(type, fn as (event: Event) => void))
  }
  const failures: Array<(error: unknown) => void> = []
  const interrupted = (event: Event, text: string) => {
    const error = new StreamInterruptedError(text, event)
    for (const fail of failures) fail(error)
  }
  listen<CloseEventDetails>('close', (event) => {
    if (!event.willReconnect) return
    if (!resumable) {
      interrupted(
        event,
        `heartline/streams: the socket closed (${event.code}) mid-stream; without \`resume\` what was in flight may be lost.`,
      )
    }
  })
  listen<ResetEvent>('reset', (event) => {
    interrupted(
      event,
      `heartline/streams: the session was lost (${event.lost.sent} sent and ${event.lost.received ?? 'unknown'} received messages unconfirmed).`,
    )
  })

  // ---- readable: messages, pausing the network when full ---------------------------
  let readDone = false
  const stopReading = () => {
    if (readDone) return
    readDone = true
    connection.pauseReading(false)
  }
  const readable = new ReadableStream<unknown>(
    {
      start(controller) {
        listen<MessageEvent>('message', (event) => {
          if (readDone) return
          controller.enqueue(event.data)
          const desired = controller.desiredSize ?? 0
          if (desired > 0) return
          const canPause = connection.pauseReading(true)
          if (highWaterMark - desired > maxBytes) {
            stopReading()
            controller.error(
              new RangeError(
                `heartline/streams: ${highWaterMark - desired} bytes unread, over \`maxBytes\` (${maxBytes})` +
                  (canPause
                    ? '.'
                    : '; this socket cannot pause reading, so the reader must keep up' +
                      ' (in Chromium, `WebSocket: StreamSocket` can).'),
              ),
            )
          }
        })
        const end = () => {
          if (readDone) return
          stopReading()
          controller.close()
        }
        listen<CloseEventDetails>('close', (event) => {
          if (!event.willReconnect) end()
        })
        // close() between sockets (waiting to reconnect) ends it with no close event.
        listen<StateChangeEvent>('statechange', (event) => {
          if (event.to === 'closed') end()
        })
        failures.push((error) => {
          if (readDone) return
          stopReading()
          controller.error(error)
        })
      },
      pull() {
        if (!readDone) connection.pauseReading(false)
      },
      cancel() {
        stopReading()
      },
    },
    { highWaterMark, size: messageSize },
  )

  // ---- writable: one send() per chunk, waiting while bufferedAmount is high --------
  let writeError: unknown = null
  let dropped: DropEvent | null = null
  listen<DropEvent>('drop', (event) => {
    dropped = event
  })
  let failWrite: (error: unknown) => void = () => undefined
  /** Rejects at the first interruption: a write waiting for room fails at once. */
  const writeFailed = new Promise<never>((_, reject) => {
    failWrite = reject
  })
  writeFailed.catch(() => undefined)
  failures.push((error) => {
    writeError ??= error
    failWrite(error)
  })
  /** Waits for `wait`, or fails with the interruption; the wait's own rejection (a close) is the writer's. */
  const orFail = (wait: Promise<void>) => {
    wait.catch(() => undefined)
    return Promise.race([wait, writeFailed])
  }
  const room = (level: number) => orFail(connection.whenBufferedAmountLow(level))
  /**
   * With resume: waits until the session has room for `chunk` (its unacknowledged
   * bytes plus the chunk within the layer's `maxBytes`), woken by acknowledgements,
   * so the send that follows at once is never refused as `resume-buffer-full`.
   */
  const resumeRoom = async (chunk: SendData) => {
    const size = keptSize(chunk)
    for (;;) {
      const { bufferedBytes, maxBytes } = sessionOf(connection) as NonNullable<
        ReturnType<typeof sessionOf>
      >
      if (bufferedBytes + size <= maxBytes) return
      if (size > maxBytes) {
        throw new RangeError(
          `heartline/streams: a chunk of ${size} bytes (as the resume buffer counts it: payload plus 64) ` +
            `never fits its \`maxBytes\` (${maxBytes}); write smaller chunks or raise resume's \`maxBytes\`.`,
        )
      }
      await orFail(whenAcknowledged(connection, maxBytes - size))
    }
  }
  const writable = new WritableStream<SendData>(
    {
      async write(chunk) {
        if (writeError !== null) throw writeError
        if (resumable) await resumeRoom(chunk)
        dropped = null
        if (!connection.send(chunk)) {
          const reason = (dropped as DropEvent | null)?.reason ?? 'refused'
          throw new StreamInterruptedError(
            `heartline/streams: the connection refused a chunk (${reason}).`,
            dropped ?? new Event('drop'),
          )
        }
        if (connection.bufferedAmount > highWaterMark) await room(highWaterMark)
      },
      async close() {
        // With resume on, what the server has not acknowledged would be dropped by
        // the close: wait for the last acknowledgement (the `ack` event wakes it).
        await (resumable ? orFail(whenAcknowledged(connection)) : room(0))
        connection.close(1000)
      },
      abort() {
        connection.close(abortCode, 'aborted')
      },
    },
    { highWaterMark: 1 },
  )
  const release = () => {
    for (const cleanup of cleanups.splice(0)) cleanup()
  }
  listen<CloseEventDetails>('close', (event) => {
    if (!event.willReconnect) queueMicrotask(release)
  })
  listen<StateChangeEvent>('statechange', (event) => {
    if (event.to === 'closed') queueMicrotask(release)
  })
  return { readable, writable }
}

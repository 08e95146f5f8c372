/**
 * send() and close() rows (WHATWG WebSockets, "close(code, reason)": the code is
 * a WebIDL `[Clamp] unsigned short`, so it is converted, clamped and rounded to
 * even before the check that it is 1000 or 3000–4999, else InvalidAccessError;
 * the reason is a USVString of at most 123 UTF-8 bytes, else SyntaxError; with no
 * code the close frame carries no status, which the server reads as 1005
 * (RFC 6455 §7.4.1); close() before open fails the connection: error, then close),
 * and the rows for heartline's deliberate deviations.
 */
import {
  type Ctx,
  type Ev,
  echo,
  hostless,
  next,
  opened,
  type Row,
  record,
  type Sock,
  serverSaw,
  settle,
  thrown,
} from './kit.js'

/** Opens a socket, calls close(...args), and returns what the server and the client saw. */
async function closeWith(ctx: Ctx, ...args: unknown[]): Promise<Record<string, unknown>> {
  const id = ctx.id()
  const sock = await opened(ctx, `/echo?id=${id}`)
  const closed = next(sock, 'close')
  const call = thrown(() => sock.close(...args))
  if (call !== 'no error') {
    sock.close()
    return { call, readyState: sock.readyState }
  }
  const event = await closed
  return {
    call,
    server: await serverSaw(ctx, id),
    client: {
      code: Number(event.code),
      reason: String(event.reason),
      wasClean: event.wasClean === true,
    },
  }
}

const WS_CODE =
  'ws refuses a code with a TypeError (not an InvalidAccessError DOMException), does no WebIDL conversion, and lets 1001-2999 through'

const departs = (wsDeparts: string, row: Row): Row => ({ ...row, wsDeparts })

const closeRow = (id: string, description: string, ...args: unknown[]): Row => ({
  id,
  description,
  run: async (ctx) => await closeWith(ctx, ...args),
})

export const CLOSE_ROWS: Row[] = [
  closeRow('close.no-code', 'close() sends no status: the server sees 1005'),
  closeRow('close.undefined-code', 'close(undefined) is close()', undefined),
  closeRow('close.1000', 'close(1000, "done") reaches the server as sent', 1000, 'done'),
  closeRow('close.4999', 'close(4999) is allowed', 4999),
  departs(
    'ws drops a reason given without a code',
    closeRow(
      'close.reason-only',
      'close(undefined, reason): a reason without a code',
      undefined,
      'why',
    ),
  ),
  departs(
    'ws does no WebIDL conversion: a fraction is truncated, not rounded to even',
    closeRow('close.fraction', 'close(1000.5): a fraction is converted, not refused', 1000.5),
  ),
  departs(
    'ws does no WebIDL conversion: a fraction is truncated, not rounded to even',
    closeRow(
      'close.fraction-up',
      'close(3001.5): which integer a fraction becomes ([Clamp] would round half to even, 3002)',
      3001.5,
    ),
  ),
  departs(
    WS_CODE,
    closeRow('close.string-code', "close('3000') converts the string: 3000", '3000'),
  ),
  departs(
    'ws does no WebIDL conversion of the reason: a number is sent as an empty reason',
    closeRow('close.reason-number', 'close(1000, 42) converts the reason: "42"', 1000, 42),
  ),
  closeRow(
    'close.reason-123-bytes',
    'a reason of exactly 123 UTF-8 bytes is allowed',
    1000,
    `${'\u00e9'.repeat(61)}!`,
  ),
  departs(
    'ws throws RangeError for a long reason, not a SyntaxError DOMException',
    closeRow(
      'close.reason-124-bytes',
      'a reason of 124 UTF-8 bytes is a SyntaxError',
      1000,
      '\u00e9'.repeat(62),
    ),
  ),
  departs(WS_CODE, closeRow('close.code-0', 'close(0) is an InvalidAccessError', 0)),
  departs(WS_CODE, closeRow('close.code-999', 'close(999) is an InvalidAccessError', 999)),
  departs(WS_CODE, closeRow('close.code-1001', 'close(1001) is an InvalidAccessError', 1001)),
  departs(WS_CODE, closeRow('close.code-1005', 'close(1005) is an InvalidAccessError', 1005)),
  departs(WS_CODE, closeRow('close.code-2999', 'close(2999) is an InvalidAccessError', 2999)),
  departs(WS_CODE, closeRow('close.code-5000', 'close(5000) is an InvalidAccessError', 5000)),
  departs(
    WS_CODE,
    closeRow(
      'close.code-wraps',
      'close(68536): clamped to 65535 and refused, or taken modulo 2^16 (3000) and sent',
      68536,
    ),
  ),
  departs(
    WS_CODE,
    closeRow('close.code-negative', 'close(-1) clamps to 0: InvalidAccessError', -1),
  ),
  departs(
    WS_CODE,
    closeRow('close.code-huge', 'close(65536) clamps to 65535: InvalidAccessError', 65536),
  ),
  departs(
    WS_CODE,
    closeRow('close.code-nan', 'close(NaN) converts to 0: InvalidAccessError', Number.NaN),
  ),
  departs(
    WS_CODE,
    closeRow('close.code-null', 'close(null) converts to 0: InvalidAccessError', null),
  ),
  departs(
    WS_CODE,
    closeRow('close.code-bad-string', "close('abc') converts to 0: InvalidAccessError", 'abc'),
  ),
  departs(
    WS_CODE,
    closeRow(
      'close.bad-code-before-long-reason',
      'a bad code is reported before a long reason',
      999,
      'x'.repeat(124),
    ),
  ),
  {
    id: 'close.while-connecting',
    description: 'close() before open: CLOSING at once, then error and close 1006, not clean',
    run: async (ctx) => {
      const sock = ctx.make(`${ctx.base}/echo`)
      const log = record(sock, ['open', 'error', 'close'])
      const closed = next(sock, 'close')
      sock.close()
      const after = sock.readyState
      const event = await closed
      await settle(ctx)
      return { after, log, code: Number(event.code), wasClean: event.wasClean === true }
    },
  },
  {
    id: 'close.twice',
    description: 'a second close() changes nothing and fires no second close event',
    run: async (ctx) => {
      const sock = await opened(ctx)
      const log = record(sock, ['error', 'close'])
      const closed = next(sock, 'close')
      sock.close(4000, 'first')
      const second = thrown(() => sock.close(4001, 'second'))
      const event = await closed
      await settle(ctx)
      return { second, log, code: Number(event.code), reason: String(event.reason) }
    },
  },
  {
    id: 'close.after-closed',
    description: 'close() once closed does nothing and does not throw',
    run: async (ctx) => {
      const sock = await opened(ctx)
      const closed = next(sock, 'close')
      sock.close()
      await closed
      return { call: thrown(() => sock.close(1000)), readyState: sock.readyState }
    },
  },
  {
    id: 'close.server-initiated',
    description: 'a server close: code and reason arrive, clean, readyState 3 in onclose',
    run: async (ctx) => {
      const sock = ctx.make(`${ctx.base}/server-close?code=4321&reason=server%20said`)
      const log = record(sock, ['open', 'error', 'close'])
      const event = await next(sock, 'close')
      return {
        log,
        code: Number(event.code),
        reason: String(event.reason),
        wasClean: event.wasClean === true,
      }
    },
  },
  {
    id: 'close.abnormal',
    description: 'a connection dropped without a close frame: close 1006, not clean',
    run: async (ctx) => {
      const sock = ctx.make(`${ctx.base}/drop`)
      const log = record(sock, ['open', 'error', 'close'])
      const event = await next(sock, 'close')
      await settle(ctx)
      return { log, code: Number(event.code), wasClean: event.wasClean === true }
    },
  },
  {
    id: 'send.types',
    description:
      'strings, ArrayBuffers, views and Blobs are sent as they are; any other value as String(value) (a USVString)',
    run: async (ctx) => {
      const sock = await opened(ctx)
      sock.binaryType = 'arraybuffer'
      const sizes: Array<number | string> = []
      // `ws` converts only numbers: it sends null as an empty binary frame and
      // throws from Buffer.from for the rest (its own departure), so the Node run
      // compares the number alone.
      const converted =
        ctx.env === 'browser' ? [42, null, undefined, true, { a: 1 }, [1, 2], 10n] : [42]
      for (const data of [
        'abc',
        new ArrayBuffer(4),
        new Uint8Array(5),
        new DataView(new ArrayBuffer(6)),
        new Blob(['1234567']),
        ...converted,
      ]) {
        const reply = (await echo(sock, data)) as Ev
        sizes.push(
          typeof reply.data === 'string' ? reply.data : (reply.data as ArrayBuffer).byteLength,
        )
      }
      return sizes
    },
  },
  {
    id: 'send.after-close',
    description: 'send() once closed does not throw',
    deviation: 'heartline reports the message with a `drop` event and returns false',
    documented: {
      table: '`send()` once closed',
      reference: { call: 'no error', result: 'undefined' },
      heartline: { call: 'no error', result: 'false' },
    },
    run: async (ctx) => {
      const sock = await opened(ctx)
      const closed = next(sock, 'close')
      sock.close()
      await closed
      let result: unknown
      const call = thrown(() => {
        result = sock.send('late')
      })
      return { call, result: String(result) }
    },
  },
  {
    id: 'send.before-open',
    description: 'send() while connecting',
    deviation:
      'the standard throws InvalidStateError; heartline queues the message (bounded, flushed in order on open) and returns true',
    documented: {
      table: '`send()` while connecting or reconnecting',
      reference: {
        call: { threw: 'InvalidStateError', dom: true },
        result: 'undefined',
        echoed: null,
      },
      ws: { call: { threw: 'Error', dom: false }, result: 'undefined', echoed: null },
      heartline: { call: 'no error', result: 'true', echoed: 'early' },
    },
    run: async (ctx) => {
      const sock = ctx.make(`${ctx.base}/echo`)
      let result: unknown
      const call = thrown(() => {
        result = sock.send('early')
      })
      // Only a queued message comes back; a refused one never will.
      const first = call === 'no error' ? await next(sock, 'message') : null
      return { call, result: String(result), echoed: first ? String(first.data) : null }
    },
  },
  {
    id: 'send.return-value',
    description: 'send() while open',
    deviation: 'the standard returns undefined; heartline returns true (sent or queued) or false',
    documented: { table: '`send()` while open', reference: 'undefined', heartline: 'true' },
    run: async (ctx) => String((await opened(ctx)).send('x')),
  },
  {
    id: 'url.function',
    description: 'a function as the URL',
    deviation: 'heartline calls a url function before every attempt; a WebSocket stringifies it',
    documented: {
      table: '`url` (and `protocols`)',
      // The function's text, resolved against the page as a path.
      reference: { call: 'no error', first: 'open', url: 'ws://HOST/()%20=%3E%20url' },
      ws: { call: { threw: 'SyntaxError', dom: false } },
      heartline: { call: 'no error', first: 'open', url: 'ws://HOST/echo' },
    },
    run: async (ctx) => {
      const url = `${ctx.base}/echo`
      let sock: Sock | undefined
      const call = thrown(() => {
        sock = ctx.make(() => url)
      })
      if (sock === undefined) return { call }
      const made = sock
      const first = await new Promise((resolve) => {
        for (const type of ['open', 'close']) made.addEventListener(type, () => resolve(type))
      })
      return { call, first, url: hostless(ctx, made.url) }
    },
  },
  {
    id: 'ready-state.reconnecting',
    description: 'readyState after the server closes, with reconnection on',
    deviation:
      'heartline waiting to reconnect reads CONNECTING (0); a WebSocket is CLOSED for good',
    documented: {
      table: '`readyState` after a close that will be retried',
      reference: { state: 3, willReconnect: 'undefined' },
      heartline: { state: 0, willReconnect: 'true' },
    },
    run: async (ctx) => {
      const sock = ctx.make(`${ctx.base}/server-close?code=4000`, undefined, {
        reconnect: { initialDelay: 60_000, maxDelay: 60_000 },
      })
      const event = await next(sock, 'close')
      const state = sock.readyState
      sock.close()
      return { state, willReconnect: String((event as Ev).willReconnect) }
    },
  },
  {
    id: 'events.extra',
    description: 'events beyond the standard (statechange)',
    deviation: 'heartline also fires statechange, drop, reconnecting and giveup',
    documented: { table: 'events', reference: false, heartline: true },
    run: async (ctx) => {
      const sock = ctx.make(`${ctx.base}/echo`)
      let changes = 0
      sock.addEventListener('statechange', () => changes++)
      await next(sock, 'open')
      return changes > 0
    },
  },
]

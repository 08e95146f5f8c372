/**
 * Attribute and event-handler rows (WHATWG WebSockets, the WebSocket interface;
 * HTML "event handler IDL attributes": a non-object reads back as null, and a
 * handler keeps the place among the listeners where it was first set).
 */
import {
  type Ev,
  echo,
  hostless,
  type Json,
  kind,
  next,
  opened,
  type Row,
  type Sock,
  settle,
} from './kit.js'

/** Echoes one message and returns who was called, in order. */
async function callOrder(sock: Sock, log: string[]): Promise<string[]> {
  await echo(sock, 'x')
  return log
}

export const ATTRIBUTE_ROWS: Row[] = [
  {
    id: 'attr.constants',
    description: 'CONNECTING..CLOSED are 0..3 on the constructor and on the instance',
    run: async (ctx) => {
      const sock = ctx.make(`${ctx.base}/echo`)
      const names = ['CONNECTING', 'OPEN', 'CLOSING', 'CLOSED'] as const
      return {
        onClass: names.map((n) => Number(ctx.Class[n])),
        onInstance: names.map((n) => sock[n]),
      }
    },
  },
  {
    id: 'attr.ready-states',
    description: 'readyState: 0 at first, 1 in onopen, 2 right after close(), 3 in onclose',
    run: async (ctx) => {
      const sock = ctx.make(`${ctx.base}/echo`)
      const seen = [sock.readyState]
      await next(sock, 'open')
      seen.push(sock.readyState)
      const closed = next(sock, 'close')
      sock.close()
      seen.push(sock.readyState)
      await closed
      seen.push(sock.readyState)
      return seen
    },
  },
  {
    id: 'attr.buffered-amount',
    description: 'bufferedAmount is a number, 0 before and after open with nothing sent',
    run: async (ctx) => {
      const sock = ctx.make(`${ctx.base}/echo`)
      const before = sock.bufferedAmount
      await next(sock, 'open')
      return [before, sock.bufferedAmount]
    },
  },
  {
    id: 'attr.buffered-amount-after-close',
    description: 'bufferedAmount after a send() once closed',
    deviation:
      'a WebSocket counts data sent after the close, which never leaves; heartline drops it (a `drop` event) and counts nothing',
    documented: { table: '`bufferedAmount`', reference: 4, heartline: 0 },
    run: async (ctx) => {
      const sock = await opened(ctx)
      const closed = next(sock, 'close')
      sock.close()
      await closed
      sock.send('late')
      return sock.bufferedAmount
    },
  },
  {
    id: 'attr.extensions',
    description: 'extensions is a string ("" with no extension agreed), before and after open',
    run: async (ctx) => {
      const sock = ctx.make(`${ctx.base}/echo`)
      const before = sock.extensions
      await next(sock, 'open')
      return {
        before: typeof before,
        after: typeof sock.extensions,
        value: String(sock.extensions),
      }
    },
  },
  {
    id: 'attr.protocol-in-onclose',
    description: 'the agreed subprotocol still reads in onclose and after',
    run: async (ctx) => {
      const sock = await opened(ctx, '/echo', ['chat'])
      let inClose: unknown
      sock.onclose = () => {
        inClose = sock.protocol
      }
      const closed = next(sock, 'close')
      sock.close()
      await closed
      return { inClose: String(inClose), after: String(sock.protocol) }
    },
  },
  {
    id: 'attr.url-after-close',
    description: 'url still reads the URL after the socket closed',
    run: async (ctx) => {
      const sock = await opened(ctx)
      const closed = next(sock, 'close')
      sock.close()
      await closed
      return hostless(ctx, sock.url)
    },
  },
  {
    id: 'attr.binary-type',
    description: 'binaryType: "arraybuffer" and "blob" are kept; an unknown value is ignored',
    run: async (ctx) => {
      const sock = ctx.make(`${ctx.base}/echo`)
      const initial = sock.binaryType
      sock.binaryType = 'arraybuffer'
      const a = sock.binaryType
      sock.binaryType = 'text'
      const b = sock.binaryType
      sock.binaryType = 'blob'
      const c = sock.binaryType
      sock.binaryType = 42
      return {
        initial: String(initial),
        a: String(a),
        b: String(b),
        c: String(c),
        d: sock.binaryType as string,
      }
    },
  },
  {
    id: 'attr.binary-arraybuffer',
    description: 'with binaryType "arraybuffer" a binary message arrives as an ArrayBuffer',
    run: async (ctx) => {
      const sock = await opened(ctx)
      sock.binaryType = 'arraybuffer'
      const reply = await echo(sock, new Uint8Array([1, 2, 3]))
      return { kind: kind(reply.data), bytes: (reply.data as ArrayBuffer).byteLength }
    },
  },
  {
    id: 'attr.text-message',
    description: 'a text message arrives as a string',
    run: async (ctx) => {
      const reply = await echo(await opened(ctx), 'h\u00e9llo')
      return { kind: kind(reply.data), data: String(reply.data) }
    },
  },
  {
    id: 'handler.initial',
    description: 'the four handlers read null at first',
    run: async (ctx) => {
      const sock = ctx.make(`${ctx.base}/echo`)
      return [sock.onopen, sock.onmessage, sock.onerror, sock.onclose].map((h) => h === null)
    },
  },
  {
    id: 'handler.non-function',
    description: 'a handler set to a string or number reads back null; an object is kept',
    wsDeparts: 'ws reads back null for an object handler (HTML keeps any object)',
    run: async (ctx) => {
      const sock = ctx.make(`${ctx.base}/echo`)
      const out: Record<string, string> = {}
      for (const [label, value] of [
        ['string', 'alert(1)'],
        ['number', 42],
        ['true', true],
        ['object', {}],
        ['function', () => undefined],
        ['null', null],
      ] as Array<[string, unknown]>) {
        sock.onmessage = value
        out[label] = sock.onmessage === null ? 'null' : typeof sock.onmessage
      }
      return out
    },
  },
  {
    id: 'handler.position',
    description: 'onmessage runs at the place among the listeners where it was set',
    run: async (ctx) => {
      const sock = await opened(ctx)
      const log: string[] = []
      sock.addEventListener('message', () => log.push('first'))
      sock.onmessage = () => log.push('handler')
      sock.addEventListener('message', () => log.push('last'))
      return callOrder(sock, log)
    },
  },
  {
    id: 'handler.replace-keeps-position',
    description: 'replacing onmessage keeps the place where the first one was set',
    wsDeparts: 'ws removes the old handler and adds the new one after every listener',
    run: async (ctx) => {
      const sock = await opened(ctx)
      const log: string[] = []
      sock.addEventListener('message', () => log.push('first'))
      sock.onmessage = () => log.push('old')
      sock.addEventListener('message', () => log.push('last'))
      sock.onmessage = () => log.push('new')
      return callOrder(sock, log)
    },
  },
  {
    id: 'handler.null-then-set-moves',
    description: 'onmessage set to null and then set again goes after the listeners',
    run: async (ctx) => {
      const sock = await opened(ctx)
      const log: string[] = []
      sock.onmessage = () => log.push('old')
      sock.addEventListener('message', () => log.push('listener'))
      sock.onmessage = null
      sock.onmessage = () => log.push('new')
      return callOrder(sock, log)
    },
  },
  {
    id: 'handler.open-position',
    description: 'onopen runs at its place among the open listeners',
    run: async (ctx) => {
      const sock = ctx.make(`${ctx.base}/echo`)
      const log: string[] = []
      sock.addEventListener('open', () => log.push('first'))
      sock.onopen = () => log.push('handler')
      sock.addEventListener('open', () => log.push('last'))
      await next(sock, 'open')
      return log
    },
  },
  {
    id: 'handler.alone',
    description:
      'onmessage as the only listener gets a MessageEvent dispatched at the socket (phase, path, targets during and after)',
    wsDeparts: 'ws events have no currentTarget, eventPhase or composedPath',
    run: async (ctx) => {
      const sock = await opened(ctx)
      let seen: unknown[] = []
      let kept: Ev | undefined
      const got = new Promise<void>((resolve) => {
        sock.onmessage = function (this: unknown, e: Ev) {
          const path =
            typeof e.composedPath === 'function' ? (e.composedPath as () => unknown[]).call(e) : []
          seen = [
            (e as unknown) instanceof MessageEvent,
            this === sock,
            e.target === sock,
            e.currentTarget === sock,
            e.srcElement === sock,
            e.eventPhase,
            path.length === 1 && path[0] === sock,
            String(e.data),
          ]
          kept = e
          resolve()
        }
      })
      sock.send('alone')
      await got
      // Read after the dispatch has ended (a microtask may still run inside it).
      await settle(ctx)
      return {
        during: seen,
        after: [kept?.target === sock, kept?.currentTarget, kept?.eventPhase],
      } as Json
    },
  },
  {
    id: 'handler.this',
    description: 'inside a handler, `this` and the event’s target are the socket',
    run: async (ctx) => {
      const sock = await opened(ctx)
      let same: boolean[] = []
      sock.onmessage = function (this: unknown, e: Ev) {
        same = [this === sock, e.target === sock]
      }
      await echo(sock, 'x')
      return same
    },
  },
]

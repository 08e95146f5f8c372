/**
 * EventTarget and event-object rows (DOM Standard, "Interface EventTarget":
 * once, signal, handleEvent, duplicates, removal during dispatch; WHATWG
 * WebSockets: open and error are plain Events, messages MessageEvents with data
 * and origin, close a CloseEvent with code, reason and wasClean).
 */
import { type Ev, echo, kind, next, opened, type Row, type Sock, settle } from './kit.js'

const WS_EVENTS =
  'ws events are objects of its own classes, not DOM Events (no bubbles, cancelable or origin)'

/** Sends `count` messages and waits for their echoes on a listener of its own. */
async function echoes(sock: Sock, count: number): Promise<void> {
  let left = count
  await new Promise<void>((resolve) => {
    const done = () => {
      if (--left === 0) {
        sock.removeEventListener('message', done)
        resolve()
      }
    }
    sock.addEventListener('message', done)
    for (let i = 0; i < count; i++) sock.send(`m${i}`)
  })
}

function shape(event: Ev | undefined): Record<string, unknown> {
  if (event === undefined) return { missing: true }
  return {
    isEvent: typeof Event === 'function' && (event as unknown) instanceof Event,
    type: event.type,
    bubbles: event.bubbles === true,
    cancelable: event.cancelable === true,
  }
}

export const EVENT_ROWS: Row[] = [
  {
    id: 'et.is-event-target',
    description: 'the socket is an EventTarget',
    wsDeparts: 'ws sockets are EventEmitters with an addEventListener of their own',
    run: async (ctx) => {
      const sock = ctx.make(`${ctx.base}/echo`)
      return { instance: sock instanceof EventTarget, dispatch: typeof sock.dispatchEvent }
    },
  },
  {
    id: 'et.dispatch-event',
    description: 'dispatchEvent runs the listeners and the matching on* handler',
    wsDeparts: 'ws has no dispatchEvent',
    run: async (ctx) => {
      const sock = ctx.make(`${ctx.base}/echo`)
      const log: string[] = []
      sock.onmessage = (e: Ev) => log.push(`handler:${String(e.data)}:${e.target === sock}`)
      sock.addEventListener('message', (e: Ev) => log.push(`listener:${e.currentTarget === sock}`))
      sock.addEventListener('custom', () => log.push('custom'))
      const dispatch = sock.dispatchEvent as ((e: Event) => boolean) | undefined
      if (typeof dispatch !== 'function') return 'no dispatchEvent'
      const result = dispatch.call(sock, new MessageEvent('message', { data: 'synthetic' }))
      dispatch.call(sock, new Event('custom'))
      return { result, log }
    },
  },
  {
    id: 'et.once',
    description: 'a listener added with { once: true } runs for the first event only',
    run: async (ctx) => {
      const sock = await opened(ctx)
      let calls = 0
      sock.addEventListener('message', () => calls++, { once: true })
      await echoes(sock, 3)
      return calls
    },
  },
  {
    id: 'et.signal',
    wsDeparts: 'ws ignores the signal option',
    description: 'a listener added with { signal } is removed when the signal aborts',
    run: async (ctx) => {
      const sock = await opened(ctx)
      const abort = new AbortController()
      let calls = 0
      sock.addEventListener(
        'message',
        () => {
          calls++
          abort.abort()
        },
        { signal: abort.signal },
      )
      await echoes(sock, 3)
      return calls
    },
  },
  {
    id: 'et.signal-already-aborted',
    wsDeparts: 'ws ignores the signal option',
    description: 'a listener added with an aborted signal is never added',
    run: async (ctx) => {
      const sock = await opened(ctx)
      let calls = 0
      sock.addEventListener('message', () => calls++, { signal: AbortSignal.abort() })
      await echoes(sock, 1)
      return calls
    },
  },
  {
    id: 'et.this-and-targets',
    description: 'in a function listener `this` and the event’s target are the socket',
    run: async (ctx) => {
      const sock = ctx.make(`${ctx.base}/echo`)
      const seen: Record<string, boolean[]> = {}
      for (const type of ['open', 'message', 'close']) {
        sock.addEventListener(type, function (this: unknown, e: Ev) {
          seen[type] = [this === sock, e.target === sock]
        })
      }
      await next(sock, 'open')
      await echo(sock, 'x')
      const closed = next(sock, 'close')
      sock.close()
      await closed
      return seen
    },
  },
  {
    id: 'et.current-target',
    description: 'during dispatch currentTarget is the socket (handlers and listeners)',
    wsDeparts: 'ws events have no currentTarget',
    run: async (ctx) => {
      const sock = await opened(ctx)
      const seen: boolean[] = []
      sock.onmessage = (e: Ev) => seen.push(e.currentTarget === sock)
      sock.addEventListener('message', (e: Ev) => seen.push(e.currentTarget === sock))
      await echo(sock, 'x')
      return seen
    },
  },
  {
    id: 'et.removed-during-dispatch',
    wsDeparts:
      'ws dispatches through EventEmitter, which calls every listener registered when the emit began',
    description: 'a listener removed by an earlier one in the same dispatch is not called',
    run: async (ctx) => {
      const sock = await opened(ctx)
      const log: string[] = []
      const second = () => log.push('second')
      sock.addEventListener('message', () => {
        log.push('first')
        sock.removeEventListener('message', second)
      })
      sock.addEventListener('message', second)
      await echo(sock, 'x')
      return log
    },
  },
  {
    id: 'et.added-during-dispatch',
    description: 'a listener added during a dispatch waits for the next event',
    run: async (ctx) => {
      const sock = await opened(ctx)
      const log: string[] = []
      let added = false
      sock.addEventListener('message', (e: Ev) => {
        log.push(`first:${String(e.data)}`)
        if (added) return
        added = true
        sock.addEventListener('message', (f: Ev) => log.push(`late:${String(f.data)}`))
      })
      await echo(sock, 'a')
      await echo(sock, 'b')
      return log
    },
  },
  {
    id: 'et.added-twice',
    description: 'the same listener added twice runs once per event',
    run: async (ctx) => {
      const sock = await opened(ctx)
      let calls = 0
      const listener = () => calls++
      sock.addEventListener('message', listener)
      sock.addEventListener('message', listener)
      await echo(sock, 'x')
      return calls
    },
  },
  {
    id: 'et.capture-is-distinct',
    wsDeparts: 'ws ignores the capture flag',
    description: 'the same function added with and without capture runs twice',
    run: async (ctx) => {
      const sock = await opened(ctx)
      let calls = 0
      const listener = () => calls++
      sock.addEventListener('message', listener)
      sock.addEventListener('message', listener, true)
      await echo(sock, 'x')
      return calls
    },
  },
  {
    id: 'et.handle-event',
    description: 'an object with handleEvent is called with itself as `this`',
    run: async (ctx) => {
      const sock = await opened(ctx)
      const seen: unknown[] = []
      const object = {
        handleEvent(this: unknown, e: Ev) {
          seen.push(this === object, e.type)
        },
      }
      sock.addEventListener('message', object)
      await echo(sock, 'x')
      sock.removeEventListener('message', object)
      await echo(sock, 'y')
      return seen
    },
  },
  {
    id: 'ev.open',
    wsDeparts: WS_EVENTS,
    description: 'open is a plain Event that does not bubble and cannot be cancelled',
    run: async (ctx) => {
      const sock = ctx.make(`${ctx.base}/echo`)
      const event = await next(sock, 'open')
      return { ...shape(event), kind: kind(event) }
    },
  },
  {
    id: 'ev.message',
    wsDeparts: WS_EVENTS,
    description: 'a message is a MessageEvent with data, the server’s origin and empty lastEventId',
    run: async (ctx) => {
      const event = await echo(await opened(ctx), 'hello')
      return {
        ...shape(event),
        isMessageEvent: (event as unknown) instanceof MessageEvent,
        data: String(event.data),
        origin: String(event.origin).replace(ctx.host, 'HOST'),
        lastEventId: String(event.lastEventId),
      }
    },
  },
  {
    id: 'ev.close',
    wsDeparts: WS_EVENTS,
    description: 'close carries code, reason and wasClean',
    run: async (ctx) => {
      const sock = ctx.make(`${ctx.base}/server-close?code=4001&reason=bye`)
      const event = await next(sock, 'close')
      return {
        ...shape(event),
        kind: kind(event),
        code: Number(event.code),
        reason: String(event.reason),
        wasClean: event.wasClean === true,
      }
    },
  },
  {
    id: 'ev.error',
    wsDeparts: WS_EVENTS,
    description: 'error (a failed connection) is a plain Event, followed by close 1006',
    run: async (ctx) => {
      const sock = ctx.make(`${ctx.base}/refused`)
      const log: string[] = []
      let error: Ev | undefined
      sock.addEventListener('error', (e: Ev) => {
        error = e
        log.push(`error:${sock.readyState}`)
      })
      const close = await next(sock, 'close')
      log.push(`close:${sock.readyState}`)
      return {
        ...shape(error),
        log,
        code: Number(close.code),
        wasClean: close.wasClean === true,
      }
    },
  },
  {
    id: 'ev.order',
    description: 'open, messages in order, then close, each seen with the matching readyState',
    run: async (ctx) => {
      const sock = ctx.make(`${ctx.base}/echo`)
      const log: string[] = []
      for (const type of ['open', 'message', 'error', 'close'])
        sock.addEventListener(type, (e: Ev) =>
          log.push(`${type}:${sock.readyState}${type === 'message' ? `:${String(e.data)}` : ''}`),
        )
      await next(sock, 'open')
      await echo(sock, '1')
      await echo(sock, '2')
      const closed = next(sock, 'close')
      sock.close(1000)
      await closed
      await settle(ctx)
      return log
    },
  },
]

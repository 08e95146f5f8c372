/**
 * The public types say what the values are. The type assertions are checked by
 * `tsc -p tsconfig.json` (test/ is part of it): an `expectTypeOf` that does not
 * hold, or a `@ts-expect-error` line that no longer errs, fails the typecheck.
 * The runtime half: a constructor that is not WebSocket-like is refused when the
 * connection is created, not on every attempt afterwards.
 */
import { describe, expect, expectTypeOf, it } from 'vitest'
import WS from 'ws'
import {
  type CloseCause,
  type CloseDetails,
  type CloseEventDetails,
  type ConnectionMetrics,
  type ConnectionOptions,
  createConnection,
} from '../src/index.js'
import type { UseConnectionResult } from '../src/react/index.js'
import type { SharedConnectionEventMap } from '../src/shared/index.js'

type WebSocketOption = NonNullable<ConnectionOptions['WebSocket']>

describe('types that hold', () => {
  it('the close event cause is the CloseCause union, the shared connection causes included', () => {
    expectTypeOf<CloseEventDetails['cause']>().toEqualTypeOf<CloseCause>()
    expectTypeOf<CloseDetails['cause']>().toEqualTypeOf<CloseCause>()
    expectTypeOf<SharedConnectionEventMap['close']['cause']>().toEqualTypeOf<CloseCause>()
    expectTypeOf<'leader-gone'>().toExtend<CloseCause>()
    expectTypeOf<'heartbeat-timeout'>().toExtend<CloseCause>()
    expectTypeOf<string>().not.toExtend<CloseCause>()
  })

  it('the hook returns the connection metrics as ConnectionMetrics', () => {
    expectTypeOf<UseConnectionResult['metrics']>().toEqualTypeOf<ConnectionMetrics | undefined>()
  })

  it('the WebSocket option takes WebSocket-like constructors only', () => {
    expectTypeOf(WS).toExtend<WebSocketOption>()
    expectTypeOf(globalThis.WebSocket).toExtend<WebSocketOption>()
    expectTypeOf(Date).not.toExtend<WebSocketOption>()
    expectTypeOf(Map).not.toExtend<WebSocketOption>()
    // @ts-expect-error Date is not a WebSocket constructor
    const bad: ConnectionOptions = { WebSocket: Date }
    expect(bad.WebSocket).toBe(Date)
  })
})

function errorOf(run: () => unknown): Error {
  try {
    run()
  } catch (error) {
    return error as Error
  }
  throw new Error('expected a throw, but the call succeeded')
}

describe('a WebSocket option that is not WebSocket-like', () => {
  for (const Ctor of [Date, Map, class Empty {}]) {
    it(`${Ctor.name} is refused at construction, naming the option, what arrived and what is allowed`, () => {
      const error = errorOf(() =>
        createConnection('ws://127.0.0.1:1', { WebSocket: Ctor as never, reconnect: false }),
      )
      expect(error).toBeInstanceOf(TypeError)
      expect(error.message).toContain('`WebSocket`')
      expect(error.message).toContain(`(${Ctor.name})`)
      expect(error.message).toMatch(/send, close and addEventListener/)
    })
  }

  it('a subclass of ws, a class with the methods, and static constants are accepted', () => {
    class Sub extends WS {}
    class Duck {
      readyState = 0
      protocol = ''
      bufferedAmount = 0
      binaryType = 'blob'
      send(): void {}
      close(): void {}
      addEventListener(): void {}
      removeEventListener(): void {}
    }
    const makeSocket = function (this: unknown) {
      return new Duck()
    }
    Object.assign(makeSocket, { CONNECTING: 0, OPEN: 1, CLOSING: 2, CLOSED: 3 })
    for (const Ctor of [WS, Sub, Duck, makeSocket]) {
      const conn = createConnection('ws://127.0.0.1:1', {
        WebSocket: Ctor as never,
        reconnect: false,
        lifecycle: false,
      })
      conn.close()
    }
  })
})

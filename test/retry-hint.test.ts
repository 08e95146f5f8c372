/**
 * The retry hint (docs/retry-hint.md): the parser and formatter, then a real `ws`
 * server closing with a hint and heartline honouring it (floored at initialDelay,
 * jittered, within maxDelay, counted unless the socket had stayed up), ignoring
 * bad hints, and `shouldReconnect` overriding it.
 */
import { afterEach, describe, expect, it } from 'vitest'
import { SimulatedClock } from 'xstate'
import { type Connection, createConnection, defaultShouldReconnect } from '../src/index.js'
import { formatRetryHint, MAX_RETRY_HINT, parseRetryHint } from '../src/retry-hint.js'
import {
  nextEvent as next,
  startControlledServer as startServer,
  type ControlledServer as TestServer,
  WebSocket,
} from './helpers/controlled-server.js'

let server: TestServer | undefined
let conn: Connection | undefined
afterEach(async () => {
  conn?.close()
  conn = undefined
  await server?.close()
  server = undefined
})

describe('parseRetryHint', () => {
  it('reads the hint at the end of the reason', () => {
    expect(parseRetryHint('retry-after=0ms')).toBe(0)
    expect(parseRetryHint('retry-after=4210ms')).toBe(4210)
    expect(parseRetryHint('service restart retry-after=4210ms')).toBe(4210)
    expect(parseRetryHint('busy;retry-after=75ms')).toBe(75)
    expect(parseRetryHint(`retry-after=${MAX_RETRY_HINT}ms`)).toBe(MAX_RETRY_HINT)
  })
  it('ignores malformed, negative, fractional and absurd hints', () => {
    for (const reason of [
      '',
      'bye',
      'retry-after=-5ms',
      'retry-after=5.5ms',
      'retry-after=1e3ms',
      'retry-after=0010ms',
      'retry-after=10',
      'retry-after=10s',
      'retry-after=10ms ',
      'retry-after= 10ms',
      'RETRY-AFTER=10ms',
      'xretry-after=10ms',
      'retry-after=10ms, then more',
      `retry-after=${MAX_RETRY_HINT + 1}ms`,
      'retry-after=99999999ms',
      'retry-after=NaNms',
      'retry-after=Infinityms',
    ]) {
      expect(parseRetryHint(reason), reason).toBeNull()
    }
    expect(parseRetryHint(undefined as unknown as string)).toBeNull()
  })
  it('formats what it parses, and refuses what it would not', () => {
    for (const ms of [0, 1, 999, 10_000, MAX_RETRY_HINT]) {
      expect(parseRetryHint(formatRetryHint(ms))).toBe(ms)
      expect(parseRetryHint(formatRetryHint(ms, 'service restart'))).toBe(ms)
    }
    expect(formatRetryHint(250, 'try again later')).toBe('try again later retry-after=250ms')
    for (const bad of [-1, 1.5, Number.NaN, MAX_RETRY_HINT + 1]) {
      expect(() => formatRetryHint(bad)).toThrow(RangeError)
    }
    expect(() => formatRetryHint(1, 'x'.repeat(120))).toThrow(/123/)
  })
  it('never makes the default policy retry a code the table stops: a hint says when, not whether', () => {
    const close = { code: 1008, reason: 'slow down retry-after=500ms', wasClean: true }
    expect(defaultShouldReconnect({ ...close, cause: 'server-close' })).toBe(false)
    expect(defaultShouldReconnect({ ...close, reason: 'slow down', cause: 'server-close' })).toBe(
      false,
    )
    expect(defaultShouldReconnect({ ...close, code: 1013, cause: 'server-close' })).toBe(true)
  })
})

/** A connection to a server that closes every connection with `code` and `reason`. */
async function hinted(
  code: number,
  reason: string,
  options: Parameters<typeof createConnection>[1] = {},
) {
  server = await startServer()
  server.onConnection = (ws) => ws.close(code, reason)
  const clock = new SimulatedClock()
  conn = createConnection(server.url, {
    WebSocket,
    clock,
    heartbeat: false,
    random: () => 0.5,
    reconnect: { initialDelay: 1000, maxDelay: 30_000 },
    ...options,
  })
  return { conn, clock }
}

describe('a connection honours the hint', () => {
  // Each socket here is closed at once, so none stayed up for `stableAfter`: the
  // hinted retries count (a free one is in test/hostile-server.test.ts).
  it('waits the hint plus jitter within one initialDelay, counted as an attempt', async () => {
    const { conn, clock } = await hinted(1012, 'service restart retry-after=7000ms')
    const first = await next(conn, 'reconnecting')
    expect(first.delay).toBe(7500) // 7000 + 0.5 × initialDelay
    expect(first.attempt).toBe(1)
    clock.increment(7499)
    expect(conn.state).toBe('waitingToReconnect')
    clock.increment(1)
    expect(conn.state).toBe('connecting')
    const second = await next(conn, 'reconnecting')
    expect(second.delay).toBe(7500)
    expect(second.attempt).toBe(2)
  })

  it('keeps the hinted delay within maxDelay, jitter included', async () => {
    const { conn } = await hinted(1013, 'retry-after=600000ms', {
      reconnect: { initialDelay: 100, maxDelay: 2000 },
    })
    // The window [1900, 2000) ends at maxDelay; random() = 0.5 lands half way.
    expect((await next(conn, 'reconnecting')).delay).toBe(1950)
  })

  it('spends maxAttempts on hinted retries of sockets that never stayed up', async () => {
    const { conn, clock } = await hinted(1013, 'retry-after=10ms', {
      reconnect: { maxAttempts: 1 },
    })
    const retry = await next(conn, 'reconnecting')
    expect(retry.delay).toBe(1500) // floored at initialDelay (1000), plus jitter
    const gaveUp = next(conn, 'gave-up')
    clock.increment(retry.delay)
    expect((await gaveUp).attempts).toBe(1)
    expect(conn.state).toBe('closed')
  })

  for (const reason of ['retry-after=-1ms', 'retry-after=1.5ms', 'retry-after=99999999ms']) {
    it(`ignores ${JSON.stringify(reason)}: backoff decides and the attempt counts`, async () => {
      const { conn } = await hinted(1013, reason)
      const retry = await next(conn, 'reconnecting')
      expect(retry.delay).toBe(500) // full jitter: 0.5 × the first 1000 ms ceiling
      expect(retry.attempt).toBe(1)
    })
  }

  it('shouldReconnect returning true keeps the hint', async () => {
    const { conn } = await hinted(1012, 'retry-after=3000ms', { shouldReconnect: () => true })
    expect((await next(conn, 'reconnecting')).delay).toBe(3500)
  })

  it('shouldReconnect returning false stops despite the hint', async () => {
    const { conn } = await hinted(1012, 'retry-after=3000ms', { shouldReconnect: () => false })
    expect((await next(conn, 'close')).willReconnect).toBe(false)
    expect(conn.state).toBe('closed')
  })

  it('shouldReconnect returning a number overrides the hint (and counts)', async () => {
    const { conn } = await hinted(1012, 'retry-after=3000ms', { shouldReconnect: () => 42 })
    const retry = await next(conn, 'reconnecting')
    expect(retry.delay).toBe(42)
    expect(retry.attempt).toBe(1)
  })
})

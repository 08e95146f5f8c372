/**
 * The chart alone, one test per row of the transitions table in README.md, on a
 * SimulatedClock with a scripted socket actor.
 */

import { describe, expect, it } from 'vitest'
import { createActor, SimulatedClock } from 'xstate'
import {
  backoffDelay,
  connectionMachine,
  type ReconnectVerdict,
  stateNameOf,
} from '../machines/connection.js'
import { baseInput, runChart } from './helpers/chart.js'

const open = (c: ReturnType<typeof runChart>) =>
  c.current().emit({ type: 'socket.open', protocol: '' })

describe('connecting', () => {
  it('socket open → open: flushes the queue, then announces open', () => {
    const c = runChart()
    expect(c.state()).toBe('connecting')
    expect(c.sockets).toHaveLength(1)
    open(c)
    expect(c.state()).toBe('open')
    expect(c.log).toEqual(['flushQueue', 'emit:open'])
  })

  it('socket close → waitingToReconnect, reported once with willReconnect', () => {
    const c = runChart()
    c.current().emit({ type: 'socket.close', code: 1006, reason: '', wasClean: false })
    expect(c.state()).toBe('waitingToReconnect')
    expect(c.current().stopped).toBe(true)
    const closes = c.emitted.filter((e) => e.type === 'close')
    expect(closes).toEqual([
      {
        type: 'close',
        code: 1006,
        reason: '',
        wasClean: false,
        cause: 'server-close',
        willReconnect: true,
      },
    ])
  })

  it('socket error → closing, then the close that follows → waitingToReconnect', () => {
    const c = runChart()
    c.current().emit({ type: 'socket.error', error: new Error('refused') })
    expect(c.state()).toBe('closing')
    expect(c.emitted.map((e) => e.type)).toEqual(['error'])
    c.current().emit({ type: 'socket.close', code: 1006, reason: '', wasClean: false })
    expect(c.state()).toBe('waitingToReconnect')
    expect(c.context().lastClose?.cause).toBe('error')
  })

  it('socket close → closed when reconnect is off', () => {
    const c = runChart({ reconnect: false })
    c.current().emit({ type: 'socket.close', code: 1006, reason: '', wasClean: false })
    expect(c.state()).toBe('closed')
    expect(c.pendingTimers()).toBe(0)
  })

  it('socket close → closed when the close policy says stop', () => {
    const c = runChart({}, { retryable: () => false })
    c.current().emit({ type: 'socket.close', code: 1008, reason: 'policy', wasClean: true })
    expect(c.state()).toBe('closed')
    expect(c.emitted.find((e) => e.type === 'close')).toMatchObject({ willReconnect: false })
  })

  it('a delay stored by the close policy replaces the backoff delay, and is visible in context', () => {
    const c = runChart({}, { verdict: () => 1234 })
    c.current().emit({ type: 'socket.close', code: 1013, reason: 'busy', wasClean: true })
    expect(c.state()).toBe('waitingToReconnect')
    expect(c.context().reconnectVerdict).toBe(1234)
    expect(c.context().retryDelay).toBe(1234)
    c.advance(1233)
    expect(c.state()).toBe('waitingToReconnect')
    c.advance(1)
    expect(c.state()).toBe('connecting')
  })

  it('the close policy is asked once per socket end, never for a close the app asked for', () => {
    let asked = 0
    const c = runChart(
      {},
      {
        verdict: () => {
          asked++
          return 'retry'
        },
      },
    )
    c.current().emit({ type: 'socket.close', code: 1006, reason: '', wasClean: false })
    expect(asked).toBe(1)
    c.advance(c.context().retryDelay)
    c.actor.send({ type: 'app.close', code: 1000, reason: '' })
    c.current().emit({ type: 'socket.close', code: 1000, reason: '', wasClean: true })
    expect(c.state()).toBe('closed')
    expect(asked).toBe(1)
  })

  it('socket close → closed with gave-up when attempts are exhausted', () => {
    const c = runChart({
      reconnect: { ...runChart().context().reconnect, maxAttempts: 2 } as never,
    })
    for (let i = 0; i < 2; i++) {
      c.current().emit({ type: 'socket.close', code: 1006, reason: '', wasClean: false })
      expect(c.state()).toBe('waitingToReconnect')
      c.advance(c.context().retryDelay)
      expect(c.state()).toBe('connecting')
    }
    c.current().emit({ type: 'socket.close', code: 1006, reason: '', wasClean: false })
    expect(c.state()).toBe('closed')
    expect(c.emitted.filter((e) => e.type === 'gave-up')).toEqual([
      { type: 'gave-up', attempts: 2 },
    ])
    expect(c.pendingTimers()).toBe(0)
  })

  it('connectTimeout → waitingToReconnect: the attempt is abandoned, not awaited', () => {
    const c = runChart()
    c.advance(1999)
    expect(c.state()).toBe('connecting')
    c.advance(1)
    expect(c.state()).toBe('waitingToReconnect')
    expect(c.sockets[0]?.stopped).toBe(true)
    expect(c.context().lastClose).toEqual({
      code: 1006,
      reason: 'connect-timeout',
      wasClean: false,
      cause: 'connect-timeout',
    })
  })
})

describe('open', () => {
  it('interval of inbound silence → awaitingPong, sending the ping on entry', () => {
    const c = runChart()
    open(c)
    c.advance(999)
    expect(c.state()).toBe('open')
    c.advance(1)
    expect(c.state()).toBe('awaitingPong')
    expect(c.current().commands.map((x) => x.type)).toEqual(['heartbeat.check', 'heartbeat.ping'])
  })

  it('inbound traffic re-arms: the ping goes out exactly interval after the last message', () => {
    const c = runChart()
    open(c)
    c.advance(700)
    c.current().inbound() // t = 700
    c.advance(300) // t = 1000: the check finds 300 ms of silence and re-arms for 700
    expect(c.state()).toBe('open')
    c.advance(699) // t = 1699
    expect(c.state()).toBe('open')
    c.advance(1) // t = 1700 = 700 + interval
    expect(c.state()).toBe('awaitingPong')
  })

  it('socket close → waitingToReconnect; with reconnect off → closed', () => {
    const a = runChart()
    open(a)
    a.current().emit({ type: 'socket.close', code: 1001, reason: 'going away', wasClean: true })
    expect(a.state()).toBe('waitingToReconnect')
    const b = runChart({ reconnect: false })
    open(b)
    b.current().emit({ type: 'socket.close', code: 1001, reason: 'going away', wasClean: true })
    expect(b.state()).toBe('closed')
  })

  it('socket error → closing → waitingToReconnect after closeTimeout when no close follows', () => {
    const c = runChart()
    open(c)
    c.current().emit({ type: 'socket.error', error: 'boom' })
    expect(c.state()).toBe('closing')
    c.advance(299)
    expect(c.state()).toBe('closing')
    c.advance(1)
    expect(c.state()).toBe('waitingToReconnect')
  })
})

describe('awaitingPong', () => {
  it('any inbound message → open (not only the pong)', () => {
    const c = runChart()
    open(c)
    c.advance(1000)
    expect(c.state()).toBe('awaitingPong')
    c.advance(100)
    c.current().inbound()
    expect(c.state()).toBe('open')
    // The next check comes a full interval after that message.
    c.advance(999)
    expect(c.state()).toBe('open')
    c.advance(1)
    expect(c.state()).toBe('awaitingPong')
  })

  it('pongTimeout asks the socket how long it waited; a deadline seen far too late probes again', () => {
    const c = runChart()
    open(c)
    c.advance(1000)
    expect(c.state()).toBe('awaitingPong')
    // Timers slept: the deadline (500 ms) is seen 2000 ms after the ping.
    c.clock.increment(2000)
    expect(c.current().commands.map((x) => x.type)).toEqual([
      'heartbeat.check',
      'heartbeat.ping',
      'heartbeat.deadline',
      'heartbeat.ping',
    ])
    expect(c.state()).toBe('awaitingPong')
  })

  it('a pong deadline that comes before the ping had its timeout (the ping went out late) probes again', () => {
    const c = runChart()
    open(c)
    c.advance(1000)
    expect(c.state()).toBe('awaitingPong')
    // A thread blocked between arming the deadline and sending the ping: the socket
    // reports that the ping has waited 10 ms of its 500.
    c.actor.send({ type: 'heartbeat.waited', waited: 10, trafficSincePing: false })
    expect(c.state()).toBe('awaitingPong')
    expect(c.current().commands.map((x) => x.type)).toEqual([
      'heartbeat.check',
      'heartbeat.ping',
      'heartbeat.ping',
    ])
    // A full timeout after the fresh ping with nothing inbound still closes.
    c.advance(500)
    expect(c.state()).toBe('closing')
  })

  it('pongTimeout → closing with heartbeat-timeout, asking the socket to close', () => {
    const c = runChart()
    open(c)
    c.advance(1000)
    c.advance(499)
    expect(c.state()).toBe('awaitingPong')
    c.advance(1)
    expect(c.state()).toBe('closing')
    expect(c.current().commands.at(-1)).toEqual({
      type: 'socket.close',
      code: 4000,
      reason: 'heartbeat-timeout',
      cause: 'heartbeat-timeout',
    })
  })

  it('socket close → waitingToReconnect', () => {
    const c = runChart()
    open(c)
    c.advance(1000)
    c.current().emit({ type: 'socket.close', code: 1006, reason: '', wasClean: false })
    expect(c.state()).toBe('waitingToReconnect')
  })
})

describe('closing', () => {
  it('socket close → waitingToReconnect, reported with the heartbeat cause', () => {
    const c = runChart()
    open(c)
    c.advance(1500)
    expect(c.state()).toBe('closing')
    c.current().emit({ type: 'socket.close', code: 1006, reason: '', wasClean: false })
    expect(c.state()).toBe('waitingToReconnect')
    expect(c.context().lastClose?.cause).toBe('heartbeat-timeout')
  })

  it('closeTimeout → waitingToReconnect: never waits longer on a dead socket', () => {
    const c = runChart()
    open(c)
    c.advance(1500)
    expect(c.state()).toBe('closing')
    c.advance(300)
    expect(c.state()).toBe('waitingToReconnect')
    expect(c.sockets[0]?.stopped).toBe(true)
    expect(c.emitted.filter((e) => e.type === 'close')).toEqual([
      {
        type: 'close',
        code: 1006,
        reason: 'heartbeat-timeout',
        wasClean: false,
        cause: 'heartbeat-timeout',
        willReconnect: true,
      },
    ])
    // A late close of the abandoned socket changes nothing.
    c.sockets[0]?.emit({ type: 'socket.close', code: 1006, reason: '', wasClean: false })
    expect(c.state()).toBe('waitingToReconnect')
    expect(c.emitted.filter((e) => e.type === 'close')).toHaveLength(1)
  })
})

describe('waitingToReconnect', () => {
  it('backoff delay → connecting with a new socket', () => {
    const c = runChart()
    c.current().emit({ type: 'socket.close', code: 1006, reason: '', wasClean: false })
    expect(c.context().retryDelay).toBe(100)
    c.advance(99)
    expect(c.state()).toBe('waitingToReconnect')
    c.advance(1)
    expect(c.state()).toBe('connecting')
    expect(c.sockets).toHaveLength(2)
    expect(c.sockets[1]?.input).toEqual({ attempt: 1, reason: 'server-close' })
  })
})

describe('user close()', () => {
  for (const from of ['connecting', 'open', 'awaitingPong'] as const) {
    it(`from ${from}: closing → closed, no reconnect and no timer`, () => {
      const c = runChart()
      if (from !== 'connecting') open(c)
      if (from === 'awaitingPong') c.advance(1000)
      expect(c.state()).toBe(from)
      c.actor.send({ type: 'app.close', code: 1000, reason: 'bye' })
      expect(c.state()).toBe('closing')
      expect(c.current().commands.at(-1)).toEqual({
        type: 'socket.close',
        code: 1000,
        reason: 'bye',
        cause: 'user',
      })
      c.current().emit({ type: 'socket.close', code: 1000, reason: 'bye', wasClean: true })
      expect(c.state()).toBe('closed')
      expect(c.pendingTimers()).toBe(0)
      expect(c.log).toContain('dropQueue')
      c.advance(60_000)
      expect(c.state()).toBe('closed')
      expect(c.sockets).toHaveLength(1)
    })
  }

  it('from closing (heartbeat timeout): the close becomes the user’s, and ends in closed', () => {
    const c = runChart()
    open(c)
    c.advance(1500)
    expect(c.state()).toBe('closing')
    c.actor.send({ type: 'app.close', code: 1000, reason: '' })
    c.advance(300)
    expect(c.state()).toBe('closed')
    expect(c.pendingTimers()).toBe(0)
  })

  it('from closing with no close event: closed after closeTimeout', () => {
    const c = runChart()
    open(c)
    c.actor.send({ type: 'app.close', code: 1000, reason: '' })
    c.advance(300)
    expect(c.state()).toBe('closed')
    expect(c.pendingTimers()).toBe(0)
  })

  it('from waitingToReconnect: closed at once, the pending retry cancelled', () => {
    const c = runChart()
    c.current().emit({ type: 'socket.close', code: 1006, reason: '', wasClean: false })
    c.actor.send({ type: 'app.close', code: 1000, reason: '' })
    expect(c.state()).toBe('closed')
    expect(c.pendingTimers()).toBe(0)
    c.advance(10_000)
    expect(c.sockets).toHaveLength(1)
  })
})

describe('user reconnect()', () => {
  it('from closed: connecting at once, attempt counter reset', () => {
    const c = runChart({ reconnect: false })
    c.current().emit({ type: 'socket.close', code: 1006, reason: '', wasClean: false })
    expect(c.state()).toBe('closed')
    c.actor.send({ type: 'app.reconnect' })
    expect(c.state()).toBe('connecting')
    expect(c.sockets[1]?.input).toEqual({ attempt: 0, reason: 'manual' })
  })

  it('from closed: an offline belief from before the close is not kept (nothing listened while closed)', () => {
    const c = runChart()
    c.actor.send({ type: 'network.offline' })
    c.actor.send({ type: 'app.close', code: 1000, reason: '' })
    c.current().emit({ type: 'socket.close', code: 1000, reason: '', wasClean: true })
    expect(c.state()).toBe('closed')
    expect(c.context().online).toBe(false)
    c.actor.send({ type: 'app.reconnect' })
    expect(c.context().online).toBe(true)
    // A failed attempt now waits for its backoff timer, which starts the next one.
    c.current().emit({ type: 'socket.close', code: 1006, reason: '', wasClean: false })
    expect(c.state()).toBe('waitingToReconnect')
    c.advance(c.context().retryDelay)
    expect(c.state()).toBe('connecting')
  })

  it('from live: an offline belief the page actor heard and nothing contradicted stands', () => {
    const c = runChart()
    open(c)
    c.actor.send({ type: 'network.offline' })
    c.actor.send({ type: 'app.reconnect' })
    expect(c.context().online).toBe(false)
  })

  it('from waitingToReconnect: connecting at once, attempt counter reset', () => {
    const c = runChart()
    for (let i = 0; i < 3; i++) {
      c.current().emit({ type: 'socket.close', code: 1006, reason: '', wasClean: false })
      c.advance(c.context().retryDelay)
    }
    c.current().emit({ type: 'socket.close', code: 1006, reason: '', wasClean: false })
    expect(c.context().attempt).toBe(4)
    c.actor.send({ type: 'app.reconnect' })
    expect(c.state()).toBe('connecting')
    expect(c.context().attempt).toBe(0)
    expect(c.pendingTimers()).toBe(1) // only the connect timeout
  })

  it('from open: the current socket is torn down and a fresh one started', () => {
    const c = runChart()
    open(c)
    c.actor.send({ type: 'app.reconnect' })
    expect(c.state()).toBe('connecting')
    expect(c.sockets).toHaveLength(2)
    expect(c.sockets[0]?.stopped).toBe(true)
    expect(c.sockets[1]?.stopped).toBe(false)
  })

  it('after user close(): reconnect() revives the connection', () => {
    const c = runChart()
    open(c)
    c.actor.send({ type: 'app.close', code: 1000, reason: '' })
    c.current().emit({ type: 'socket.close', code: 1000, reason: '', wasClean: true })
    expect(c.state()).toBe('closed')
    c.actor.send({ type: 'app.reconnect' })
    open(c)
    expect(c.state()).toBe('open')
    // And an unrequested close is retried again.
    c.current().emit({ type: 'socket.close', code: 1006, reason: '', wasClean: false })
    expect(c.state()).toBe('waitingToReconnect')
  })
})

describe('backoff', () => {
  const policy = {
    initialDelay: 100,
    maxDelay: 1000,
    factor: 2,
    jitter: 'full' as const,
    maxAttempts: Number.POSITIVE_INFINITY,
    stableAfter: 5000,
  }

  it('full jitter draws in [0, min(maxDelay, initialDelay × factor^attempt))', () => {
    const draws = [0.5, 0.25, 0.999, 0, 0.5, 0.5]
    let i = 0
    const c = runChart({ reconnect: policy }, { random: () => draws[i++] ?? 0.5 })
    const delays: number[] = []
    for (let n = 0; n < 6; n++) {
      c.current().emit({ type: 'socket.close', code: 1006, reason: '', wasClean: false })
      delays.push(c.context().retryDelay)
      c.advance(c.context().retryDelay)
    }
    // ceilings: 100, 200, 400, 800, 1000, 1000
    expect(delays).toEqual([50, 50, 399, 0, 500, 500])
    expect(c.emitted.filter((e) => e.type === 'reconnecting').map((e) => e)).toEqual(
      delays.map((delay, n) => ({ type: 'reconnecting', attempt: n + 1, delay })),
    )
  })

  it('jitter none uses the ceiling', () => {
    const none = { ...policy, jitter: 'none' as const }
    expect([0, 1, 2, 3, 4, 10].map((a) => backoffDelay(none, a, () => 0))).toEqual([
      100, 200, 400, 800, 1000, 1000,
    ])
  })

  it('the counter resets only after the connection stayed open for stableAfter', () => {
    const c = runChart({ reconnect: { ...policy, jitter: 'none' }, heartbeat: false })
    // Accept-then-drop: the counter keeps growing.
    for (let n = 0; n < 3; n++) {
      open(c)
      c.advance(4999)
      c.current().emit({ type: 'socket.close', code: 1006, reason: '', wasClean: false })
      c.advance(c.context().retryDelay)
    }
    expect(c.context().attempt).toBe(3)
    open(c)
    c.advance(5000)
    expect(c.context().attempt).toBe(0)
    c.current().emit({ type: 'socket.close', code: 1006, reason: '', wasClean: false })
    expect(c.context().retryDelay).toBe(100)
  })
})

describe('heartbeat off', () => {
  it('stays open through silence, with no ping', () => {
    const c = runChart({ heartbeat: false })
    open(c)
    c.advance(60_000)
    expect(c.state()).toBe('open')
    expect(c.current().commands).toEqual([])
  })
})

describe('retry hint (the close policy stored { hint })', () => {
  const drop = (c: ReturnType<typeof runChart>) =>
    c.current().emit({ type: 'socket.close', code: 1012, reason: 'restart', wasClean: true })

  it('jitter none: waits max(hint, the attempt’s ceiling), capped at maxDelay, with no draw', () => {
    const hints = [300, 10, 5000]
    let i = 0
    let draws = 0
    const c = runChart(
      {},
      {
        verdict: (): ReconnectVerdict => ({ hint: hints[i++] ?? 0 }),
        random: () => {
          draws++
          return 0.5
        },
      },
    )
    const delays: number[] = []
    for (let n = 0; n < 3; n++) {
      drop(c)
      delays.push(c.context().retryDelay)
      c.advance(c.context().retryDelay - 1)
      expect(c.state()).toBe('waitingToReconnect')
      c.advance(1)
      expect(c.state()).toBe('connecting')
    }
    // ceilings 100, 200, 400: the hint above it, the ceiling above the hint, maxDelay last.
    expect(delays).toEqual([300, 200, 1000])
    expect(draws).toBe(0)
    expect(c.context().attempt).toBe(3)
  })

  it('after a connection that stayed up for stableAfter, a hinted retry is free; an unstable one counts', () => {
    const c = runChart({ heartbeat: false }, { verdict: () => ({ hint: 300 }) })
    open(c)
    c.advance(5000)
    expect(c.context().stable).toBe(true)
    drop(c)
    expect(c.context().attempt).toBe(0)
    expect(c.emitted.filter((e) => e.type === 'reconnecting')).toEqual([
      { type: 'reconnecting', attempt: 0, delay: 300 },
    ])
    c.advance(300)
    // The new socket has proved nothing: its hinted end is counted.
    open(c)
    expect(c.context().stable).toBe(false)
    drop(c)
    expect(c.context().attempt).toBe(1)
  })
})

describe('the chart on its own defaults', () => {
  it('draws no randomness: a full-jitter retry waits the top of its window', () => {
    const clock = new SimulatedClock()
    const reconnect = {
      initialDelay: 100,
      maxDelay: 1000,
      factor: 2,
      jitter: 'full' as const,
      maxAttempts: Number.POSITIVE_INFINITY,
      stableAfter: 5000,
    }
    const actor = createActor(connectionMachine, { input: { ...baseInput, reconnect }, clock })
    actor.start()
    actor.send({ type: 'socket.open', protocol: '' })
    expect(stateNameOf(actor.getSnapshot().value)).toBe('open')
    actor.send({ type: 'socket.close', code: 1006, reason: '', wasClean: false })
    // [0, 100) drawn with the largest number below 1.
    expect(actor.getSnapshot().context.retryDelay).toBe(99)
    actor.send({ type: 'app.close', code: 1000, reason: '' })
    expect(stateNameOf(actor.getSnapshot().value)).toBe('closed')
    actor.stop()
  })
})

describe('the draw for the jitter', () => {
  it('is taken only for a retry that happens: none for the end that gives up', () => {
    let draws = 0
    const reconnect = { ...policyOf(baseInput), jitter: 'full' as const, maxAttempts: 1 }
    const c = runChart(
      { reconnect },
      {
        random: () => {
          draws++
          return 0.5
        },
      },
    )
    c.current().emit({ type: 'socket.close', code: 1006, reason: '', wasClean: false })
    expect(draws).toBe(1)
    c.advance(c.context().retryDelay)
    c.current().emit({ type: 'socket.close', code: 1006, reason: '', wasClean: false })
    expect(c.state()).toBe('closed')
    expect(draws).toBe(1)
  })
})

describe('the chart on its own defaults, at a deadline', () => {
  it('abandons the socket at connectTimeout, asks nobody and retries at the top of the window', () => {
    const clock = new SimulatedClock()
    const reconnect = { ...policyOf(baseInput), jitter: 'full' as const }
    const actor = createActor(connectionMachine, { input: { ...baseInput, reconnect }, clock })
    actor.start()
    clock.increment(baseInput.connectTimeout)
    const { context, value } = actor.getSnapshot()
    expect(stateNameOf(value)).toBe('waitingToReconnect')
    expect(context.lastClose).toEqual({
      code: 1006,
      reason: 'connect-timeout',
      wasClean: false,
      cause: 'connect-timeout',
    })
    expect(context.reconnectVerdict).toBeNull()
    expect(context.retryDelay).toBe(99)
    actor.stop()
  })
})

function policyOf(input: typeof baseInput) {
  if (input.reconnect === false) throw new Error('baseInput reconnects')
  return input.reconnect
}

describe('state names', () => {
  it('each state of the chart has its public name; any other value reads as closed', () => {
    expect(stateNameOf('waitingToReconnect')).toBe('waitingToReconnect')
    expect(stateNameOf({ live: 'connecting' })).toBe('connecting')
    expect(stateNameOf({ live: { connected: 'open' } })).toBe('open')
    expect(stateNameOf({ live: { connected: 'awaitingPong' } })).toBe('awaitingPong')
    // Names the chart does not have (it once had transient `ended`/`judged`), and shapes it never has.
    for (const value of ['ended', 'judged', undefined, null, 42, { live: {} }, { live: null }]) {
      expect(stateNameOf(value)).toBe('closed')
    }
  })
})

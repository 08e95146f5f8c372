/**
 * `statechange.event` names the chart event behind each change, and the public
 * events keep their order, whether or not the application passes `inspect` (the
 * adapter itself reads the chart through a snapshot observer and `actor.on`).
 */
import { afterEach, describe, expect, it } from 'vitest'
import { type InspectionEvent, SimulatedClock } from 'xstate'
import { type Connection, type ConnectionOptions, createConnection } from '../src/index.js'
import {
  type ControlledServer,
  nextEvent,
  reach,
  startControlledServer,
  WebSocket,
} from './helpers/controlled-server.js'

let server: ControlledServer
let conn: Connection | undefined
afterEach(async () => {
  conn?.close()
  conn = undefined
  await server?.close()
})

/** A connection to a fresh server, on a SimulatedClock, with no reconnects. */
async function start(
  extra: Partial<ConnectionOptions> = {},
): Promise<{ c: Connection; clock: SimulatedClock }> {
  server = await startControlledServer()
  const clock = new SimulatedClock()
  const c = createConnection(server.url, {
    WebSocket,
    clock,
    heartbeat: { interval: 1000, timeout: 5000 },
    reconnect: false,
    ...extra,
  })
  conn = c
  return { c, clock }
}

async function oneLife(inspect?: (event: InspectionEvent) => void): Promise<string[]> {
  const { c, clock } = await start(inspect ? { inspect } : {})
  const log: string[] = []
  c.addEventListener('statechange', (e) => log.push(`${e.from}>${e.to} by ${e.event}`))
  c.addEventListener('open', () => log.push(`open while ${c.state}`))
  c.addEventListener('close', () => log.push(`close while ${c.state}`))
  await nextEvent(c, 'open')
  clock.increment(1000)
  await reach(c, 'open')
  c.close()
  await nextEvent(c, 'close')
  await server.close()
  return log
}

describe('statechange', () => {
  it('names the causing chart event and keeps the event order without an inspect observer', async () => {
    const log = await oneLife()
    expect(log).toEqual([
      'connecting>open by socket.open',
      'open while open',
      'open>awaitingPong by heartbeat.silence',
      'awaitingPong>open by heartbeat.alive',
      'open>closing by app.close',
      'closing>closed by socket.close',
      'close while closed',
    ])
  })

  it('reads the same with an inspect observer, which still sees every snapshot', async () => {
    let snapshots = 0
    const log = await oneLife((event) => {
      if (event.type === '@xstate.snapshot') snapshots++
    })
    expect(log).toEqual(await oneLife())
    expect(snapshots).toBeGreaterThan(5)
  })
})

describe('statechange on demand (no inspection observer until someone listens)', () => {
  it('a listener added from inside an open listener hears the following changes, each once, with its cause', async () => {
    const { c, clock } = await start()
    const log: string[] = []
    c.addEventListener('open', () => {
      c.addEventListener('statechange', (e) => log.push(`${e.from}>${e.to} by ${e.event}`))
    })
    await nextEvent(c, 'open')
    clock.increment(1000)
    await reach(c, 'open')
    c.close()
    await nextEvent(c, 'close')
    expect(log).toEqual([
      'open>awaitingPong by heartbeat.silence',
      'awaitingPong>open by heartbeat.alive',
      'open>closing by app.close',
      'closing>closed by socket.close',
    ])
  })

  it('subscribe() added late names the cause as well', async () => {
    const { c, clock } = await start()
    await nextEvent(c, 'open')
    const log: string[] = []
    c.subscribe((e) => log.push(`${e.from}>${e.to} by ${e.event}`))
    clock.increment(1000)
    await reach(c, 'open')
    expect(log).toEqual([
      'open>awaitingPong by heartbeat.silence',
      'awaitingPong>open by heartbeat.alive',
    ])
  })

  it('metrics and the state follow the chart while nobody listens for statechange', async () => {
    const { c, clock } = await start({
      heartbeat: { interval: 1000, timeout: 5000, deliverPongs: true },
    })
    await nextEvent(c, 'open')
    for (let i = 0; i < 2; i++) {
      clock.increment(1000)
      expect(c.state).toBe('awaitingPong')
      await nextEvent(c, 'message')
      expect(c.state).toBe('open')
    }
    expect(c.metrics.rtt.samples).toBe(2)
    clock.increment(500)
    // open 0–1000, awaitingPong for the 0 ms round trip, open 1000–2000 and 2000–2500.
    expect(c.metrics.timeInState.open).toBe(2500)
  })
})

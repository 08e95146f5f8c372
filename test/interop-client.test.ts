/**
 * heartline's resume client against the second server implementation
 * (interop/resume_server.py, written from docs/resume-protocol.md), through the
 * TCP fault proxy: 1,000 messages each way (the server's application echoes each
 * one, so the echoes prove both directions), a fault injected in mid-stream.
 * Each message must arrive exactly once and in order, or be counted by the
 * `reset`. The Python process runs with small timings, and every wait is on an
 * event it reports (listening, expired), never a sleep.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import WebSocket from 'ws'
import { createConnection } from '../src/index.js'
import { resume } from '../src/resume/index.js'
import type { FaultProxy } from './harness/proxy.js'
import { waitFor } from './harness/wait.js'
import { faultStreams } from './helpers/fault-streams.js'
import { PythonServer } from './helpers/python-server.js'
import { isRun, sessionOf } from './helpers/resume-client.js'

const COUNT = 1000
/** The server's ackDelay (ms): small, so the last acknowledgement does not keep a test waiting. */
const ACK_DELAY = 20

// No hold: the client writes faster than the server echoes, so the fault comes when half
// the echoes arrived, with client messages unread or unacknowledged and echoes in flight.
const { cleanups, proxyTo, streamClient, allArrived } = faultStreams({
  count: COUNT,
  hold: COUNT + 1,
})

async function python(ttl = 10_000, away = 0): Promise<PythonServer> {
  const server = await PythonServer.start({ ttl, away, ackDelay: ACK_DELAY })
  cleanups.push(() => server.kill())
  return server
}

function report(name: string, figures: Record<string, unknown>): void {
  console.log(`[interop] ${name}: ${JSON.stringify(figures)}`)
}

/** One Python process for the tests that neither kill it nor need its ttl to run out. */
let shared: PythonServer
beforeAll(async () => {
  shared = await PythonServer.start({ ttl: 10_000, ackDelay: ACK_DELAY })
})
afterAll(() => shared?.kill())

describe('heartline client, Python server, through the fault proxy', () => {
  const faults: Array<[string, (proxy: FaultProxy) => void]> = [
    ['TCP reset', (proxy) => proxy.setMode('reset', 'existing')],
    [
      'FIN',
      (proxy) => {
        for (const link of proxy.open) link.destroy()
      },
    ],
    ['black hole', (proxy) => proxy.setMode('black-hole', 'existing')],
  ]
  for (const [name, inject] of faults) {
    it(`${name} in mid-stream: resumed, 1,000 messages each way exactly once and in order`, async () => {
      const proxy = await proxyTo(shared.port)
      const client = streamClient(proxy.url, () => inject(proxy))
      await allArrived(client, COUNT)
      const echoes = client.sessions[0] as number[]
      expect(client.atFault?.sent).toBeGreaterThan(0)
      expect(client.atFault?.received).toBeGreaterThan(0)
      expect(client.atFault?.received).toBeLessThan(COUNT)
      expect(client.resets).toEqual([])
      expect(client.resumed.length).toBeGreaterThanOrEqual(1)
      expect(isRun(echoes, 1) && echoes.length === COUNT).toBe(true)
      expect(client.drops).toEqual([])
      report(name, {
        atFault: client.atFault,
        resumed: client.resumed.map((r) => r.replayed),
        echoes: echoes.length,
      })
    })
  }

  it('server SIGKILL and a new process: an exact reset (lost.sent = the unacknowledged, lost.received null)', async () => {
    // The next process is started beforehand: the restart is the kill and the move.
    const [first, next] = await Promise.all([python(), python()])
    const proxy = await proxyTo(first.port)
    const client = streamClient(proxy.url, async () => {
      await first.kill()
      proxy.retarget(next.port)
    })
    await client.waitFor(() => client.resets.length === 1, 'the reset')
    const sentBefore = client.atFault?.sent as number
    await allArrived(client, COUNT - sentBefore)
    const reset = client.resets[0]
    if (!reset) throw new Error('no reset')
    const unconfirmed = reset.unconfirmed.map((d) => Number(String(d).slice(1)))
    const acknowledged = sentBefore - reset.lost.sent
    // The unacknowledged messages are exactly those after the last one acknowledged.
    expect(unconfirmed).toEqual(
      Array.from({ length: reset.lost.sent }, (_, i) => acknowledged + i + 1),
    )
    expect(reset.lost.received).toBeNull()
    // Every acknowledged message reached the old server's application (its echo came first).
    const [before, after] = client.sessions as [number[], number[]]
    expect(isRun(before, 1)).toBe(true)
    expect(before.length).toBeGreaterThanOrEqual(acknowledged)
    expect(before.length).toBeLessThanOrEqual(sentBefore)
    // The new session carried the rest exactly once.
    expect(isRun(after, sentBefore + 1) && after.length === COUNT - sentBefore).toBe(true)
    report('SIGKILL + new process', { sentBefore, lost: reset.lost, echoedBefore: before.length })
  })

  it('an outage longer than the ttl: reset with lost.received = what the server numbered − what arrived', async () => {
    // While the client is away the application sends 7 more: lost with the session.
    const server = await python(1000, 7)
    const proxy = await proxyTo(server.port)
    let expiredOut = -1
    const client = streamClient(proxy.url, async () => {
      const sid = sessionOf(client.conn)?.id as string
      proxy.down()
      expiredOut = await server.expired(sid)
      await proxy.up()
    })
    await client.waitFor(() => client.resets.length === 1, 'the reset')
    const sentBefore = client.atFault?.sent as number
    await allArrived(client, COUNT - sentBefore)
    const reset = client.resets[0]
    if (!reset) throw new Error('no reset')
    const before = client.sessions[0] as number[]
    expect(isRun(before, 1)).toBe(true)
    expect(reset.lost.received).toBe(expiredOut - before.length)
    expect(reset.lost.received).toBeGreaterThanOrEqual(7)
    expect(reset.lost.sent).toBe(reset.unconfirmed.length)
    expect(isRun(client.sessions[1] as number[], sentBefore + 1)).toBe(true)
    report('outage past the ttl', {
      sentBefore,
      expiredOut,
      received: before.length,
      lost: reset.lost,
    })
  })
})

describe('binary frames to the Python server', () => {
  it('an empty binary message and others echo back as sent, also across a TCP reset', async () => {
    const proxy = await proxyTo(shared.port)
    const conn = createConnection(proxy.url, {
      WebSocket: WebSocket as never,
      heartbeat: { interval: 100, timeout: 250 },
      reconnect: { initialDelay: 20, maxDelay: 100 },
      resume: resume(),
    })
    cleanups.push(() => conn.close())
    const got: string[] = []
    const wake = new Set<() => void>()
    const until = (check: () => boolean, what: string) =>
      waitFor(check, what, 10_000, (w) => {
        wake.add(w)
        return () => wake.delete(w)
      })
    conn.addEventListener('message', (e) => {
      got.push(
        typeof e.data === 'string' ? e.data : `bin:${[...new Uint8Array(e.data as ArrayBuffer)]}`,
      )
      for (const w of wake) w()
    })
    let resumed = 0
    conn.addEventListener('resumed', () => {
      resumed++
      for (const w of wake) w()
    })
    conn.send(new Uint8Array(0))
    conn.send(new Uint8Array([0, 255, 77]))
    conn.send('text')
    await until(() => got.length === 3, 'three echoes')
    proxy.setMode('reset', 'existing')
    conn.send(new Uint8Array(0))
    conn.send(new Uint8Array([1]))
    await until(() => got.length === 5 && resumed === 1, 'two more echoes after the resume')
    expect(got).toEqual(['bin:', 'bin:0,255,77', 'text', 'bin:', 'bin:1'])
    expect(sessionOf(conn)).toMatchObject({ sent: 5, received: 5 })
  })
})

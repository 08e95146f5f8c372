/**
 * The fault matrix with `resume` on: 10,000 messages each way through the TCP
 * fault proxy to a session server in a child process, a fault injected in
 * mid-stream in both directions. Every message must be delivered exactly once
 * and in order, or be counted by a `reset` (or a `drop`); never twice.
 * Each case prints its figures (sent, delivered, duplicates, lost, drops).
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { SessionProcess, type SessionServerConfig } from './harness/session-process.js'
import { faultStreams } from './helpers/fault-streams.js'
import { type RedisServer, startRedis } from './helpers/redis.js'
import { duplicates, isRun, range, StreamClient, sessionOf } from './helpers/resume-client.js'

const COUNT = 10_000

let redis: RedisServer
beforeAll(async () => {
  redis = await startRedis()
})
afterAll(() => redis?.stop())

const { cleanups, proxyTo, streamClient, allArrived } = faultStreams({ count: COUNT, hold: 6000 })

async function sessionServer(config: Partial<SessionServerConfig> = {}): Promise<SessionProcess> {
  // The server's stream is paced a little slower than the client's, so both are mid-way at the fault.
  const server = new SessionProcess({
    store: 'memory',
    ttl: 30_000,
    count: COUNT,
    chunk: 50,
    ...config,
  })
  cleanups.push(() => server.kill())
  return server.start()
}

/** The fault hit both streams in the middle: some server messages arrived, not all. */
function expectMidStream(client: StreamClient): void {
  const at = client.atFault ?? { sent: 0, received: 0 }
  expect(at.sent).toBeGreaterThan(0)
  expect(at.sent).toBeLessThan(COUNT)
  expect(at.received).toBeGreaterThan(0)
  expect(at.received).toBeLessThan(COUNT)
}

/** Figures for the closing note. */
function report(name: string, figures: Record<string, unknown>): void {
  console.log(`[resume matrix] ${name}: ${JSON.stringify(figures)}`)
}

/** Waits until everything arrived and was acknowledged both ways. */
async function drain(client: StreamClient, server: SessionProcess) {
  await allArrived(client, COUNT)
  // Acknowledged means handed to the server's application; its report may still be on the way.
  const sessions = server.records.filter((r) => r.type === 'session')
  const current = sessionOf(client.conn)?.id
  if (sessionOf(client.conn)?.sent === 0) return
  await server.waitFor(
    () =>
      sessions.length > 0 &&
      server.records.some(
        (r) => r.type === 'got' && r.id === current && r.runs?.some(([, to]) => to === COUNT),
      ),
    'the last client message reported by the server',
  )
}

describe('resume fault matrix (Node, ws client, memory store)', () => {
  // A link that goes dark and one that is reset: the same stream, the same promises.
  for (const [name, mode] of [
    ['black-hole', 'black-hole'],
    ['TCP reset', 'reset'],
  ] as const) {
    it(`${name} in mid-stream: resumed, every message exactly once in order`, async () => {
      const server = await sessionServer()
      const proxy = await proxyTo(server.port)
      const client = streamClient(proxy.url, () => proxy.setMode(mode, 'existing'))
      await drain(client, server)

      const got = client.sessions[0] as number[]
      const atServer = server.received()
      expectMidStream(client)
      expect(client.resets).toEqual([])
      expect(client.resumed.length).toBeGreaterThanOrEqual(1)
      expect(isRun(got, 1) && got.length === COUNT).toBe(true)
      expect(isRun(atServer, 1) && atServer.length === COUNT).toBe(true)
      expect(client.drops).toEqual([])
      report(`${mode} (memory)`, {
        sent: [COUNT, COUNT],
        delivered: [atServer.length, got.length],
        duplicates: [duplicates(atServer), duplicates(got)],
        atFault: client.atFault,
        replayed: client.resumed.map((r) => r.replayed),
        lost: null,
        drops: client.drops.length,
      })
    })
  }

  it('server SIGKILL and restart: reset with the exact lost counts, the rest exactly once', async () => {
    const server = await sessionServer()
    const proxy = await proxyTo(server.port)
    const client = streamClient(proxy.url, async () => {
      await server.kill()
      await server.start()
    })
    await client.waitFor(() => client.resets.length === 1, 'the reset')
    await drain(client, server)
    checkReset(client, server, 'SIGKILL + restart (memory)')
    // Nobody alive knows what the killed process had sent.
    expect(client.resets[0]?.lost.received).toBeNull()
  })

  it('an outage longer than the ttl: reset with the exact lost counts both ways', async () => {
    const server = await sessionServer({ ttl: 300 })
    const proxy = await proxyTo(server.port)
    const client = streamClient(proxy.url, async () => {
      // Every connection is refused until the server dropped the session.
      proxy.setMode('reset')
      await server.waitFor(
        () => server.records.find((r) => r.type === 'close' && r.reason === 'expired'),
        'the session expired',
      )
      proxy.setMode('pass')
    })
    await client.waitFor(() => client.resets.length === 1, 'the reset')
    await drain(client, server)
    const closed = server.records.find((r) => r.type === 'close') as { sent: number }
    const lostReceived = closed.sent - (client.sessions[0] as number[]).length
    expect(client.resets[0]?.lost.received).toBe(lostReceived)
    checkReset(client, server, 'ttl outage (memory)')
  })
})

/**
 * After one reset: the old session's server messages arrived in order without a
 * gap; the client's unconfirmed messages are exactly those after the last one
 * acknowledged, counted in `lost.sent`; the old server got every acknowledged
 * message (and maybe some unconfirmed ones: those count as lost to the client);
 * the new session carried the rest exactly once.
 */
function checkReset(client: StreamClient, server: SessionProcess, name: string): void {
  const reset = client.resets[0]
  if (!reset) throw new Error('no reset')
  expectMidStream(client)
  expect(client.resets).toHaveLength(1)
  const unconfirmed = reset.unconfirmed.map((d) => Number(String(d).slice(1)))
  expect(reset.lost.sent).toBe(unconfirmed.length)
  const acked = unconfirmed.length > 0 ? (unconfirmed[0] as number) - 1 : -1
  expect(acked).toBeGreaterThanOrEqual(0)
  expect(isRun(unconfirmed, acked + 1)).toBe(true)

  const [oldSession, newSession] = client.sessions as [number[], number[]]
  expect(isRun(oldSession, 1)).toBe(true)
  expect(isRun(newSession, 1) && newSession.length === COUNT).toBe(true)

  // Server side: split what the application got into the old and the new session.
  const ids = server.records.filter((r) => r.type === 'session').map((r) => r.id)
  expect(ids).toHaveLength(2)
  const gotIn = (id: string | undefined) =>
    server.records
      .filter((r) => r.type === 'got' && r.id === id)
      .flatMap((r) => (r.runs ?? []).flatMap(([a, b]) => range(a, b)))
  const before = gotIn(ids[0])
  const after = gotIn(ids[1])
  expect(isRun(before, 1)).toBe(true)
  expect(before.length).toBeGreaterThanOrEqual(acked)
  expect(before.length).toBeLessThanOrEqual(acked + unconfirmed.length)
  const firstAfter = acked + unconfirmed.length + 1
  expect(isRun(after, firstAfter)).toBe(true)
  expect(after.length).toBe(COUNT - firstAfter + 1)
  expect(client.drops).toEqual([])
  report(name, {
    sent: [COUNT, COUNT * 2],
    delivered: [before.length + after.length, oldSession.length + newSession.length],
    duplicates: [
      duplicates([...before, ...after]),
      duplicates(oldSession) + duplicates(newSession),
    ],
    lost: reset.lost,
    atFault: client.atFault,
    lostButReachedServerApp: before.length - acked,
    drops: client.drops.length,
  })
}

describe('resume fault matrix (Node, ws client, Redis store)', () => {
  let prefixes = 0
  const redisServer = () =>
    sessionServer({ store: 'redis', redisPort: redis.port, prefix: `t${++prefixes}:` })

  it('server SIGKILL and restart: resumed, nothing lost, repeats only flagged as redelivered', async () => {
    const server = await redisServer()
    const proxy = await proxyTo(server.port)
    const client = streamClient(proxy.url, async () => {
      await server.kill()
      await server.start()
    })
    await drain(client, server)
    checkFleet(client, server, 'SIGKILL + restart (Redis)')
  })

  it('a burst larger than one store call goes out whole and in order', async () => {
    const { Redis } = await import('ioredis')
    const { WebSocketServer } = await import('ws')
    const { acceptSessions } = await import('../src/server/index.js')
    const { redisStore } = await import('../src/server/redis/index.js')
    const client = new Redis({ host: '127.0.0.1', port: redis.port })
    cleanups.push(() => client.disconnect())
    const wss = new WebSocketServer({ host: '127.0.0.1', port: 0 })
    await new Promise((resolve) => wss.once('listening', resolve))
    cleanups.push(() => new Promise((resolve) => wss.close(resolve)))
    cleanups.push(() => {
      for (const ws of wss.clients) ws.terminate()
    })
    const sessions = acceptSessions(wss, { store: redisStore(client, { prefix: 'burst:' }) })
    sessions.on('session', (session) => {
      for (let i = 1; i <= 60_000; i++) void session.send(`s${i}`)
    })
    const port = (wss.address() as { port: number }).port
    const c = new StreamClient(`ws://127.0.0.1:${port}`, { count: 0, hold: 1, fault: () => {} })
    cleanups.push(() => c.conn.close())
    await c.waitFor(
      () => c.received === 5000,
      () => `5000 messages (have ${c.received})`,
    )
    expect(isRun(c.sessions[0] as number[], 1)).toBe(true)
  })

  it('the client moved from one server process to another: resumed, nothing lost', async () => {
    const a = await redisServer()
    const b = new SessionProcess({ ...a.config })
    cleanups.push(() => b.kill())
    await b.start()
    const proxy = await proxyTo(a.port)
    const client = streamClient(proxy.url, () => {
      proxy.retarget(b.port)
      proxy.setMode('reset', 'existing')
    })
    await drain(client, b)
    // A learns it lost the session when it next writes, and writes nothing more.
    await a.waitFor(
      () => a.records.find((r) => r.type === 'close' && r.reason === 'moved'),
      'process A sees the session moved',
    )
    const merged = { ...b, records: [...a.records, ...b.records] } as unknown as SessionProcess
    checkFleet(client, merged, 'moved A -> B (Redis)')
  })
})

/**
 * With a store that outlives processes: the session continued (no reset); the
 * client got every server message once and in order; the server applications
 * together got every client message in order, and a message twice only when
 * the second copy was flagged `redelivered`.
 */
function checkFleet(client: StreamClient, server: SessionProcess, name: string): void {
  expectMidStream(client)
  expect(client.resets).toEqual([])
  expect(client.resumed.length).toBeGreaterThanOrEqual(1)
  const got = client.sessions[0] as number[]
  expect(isRun(got, 1) && got.length === COUNT).toBe(true)
  const gots = server.records.filter((r) => r.type === 'got')
  const all = gots.flatMap((r) => (r.runs ?? []).flatMap(([a, b]) => range(a, b)))
  const flagged = gots.reduce((n, r) => n + (r.redelivered ?? 0), 0)
  const unique = [...new Set(all)]
  const seen = new Set(all)
  const missing = range(1, COUNT).filter((n) => !seen.has(n))
  const runs = server.records.filter((r) => r.type === 'session').map((r) => `${r.run}:${r.id}`)
  expect(missing, `missing at the servers (sessions ${runs})`).toEqual([])
  expect(isRun(unique, 1) && unique.length === COUNT, 'in order').toBe(true)
  expect(all.length - unique.length).toBeLessThanOrEqual(flagged)
  expect(client.drops).toEqual([])
  report(name, {
    sent: [COUNT, COUNT],
    delivered: [unique.length, got.length],
    duplicates: [all.length - unique.length, duplicates(got)],
    redeliveredFlagged: flagged,
    atFault: client.atFault,
    replayed: client.resumed.map((r) => r.replayed),
    lost: null,
    drops: client.drops.length,
    serverDropsMoved: server.records.filter((r) => r.type === 'drop' && r.reason === 'moved')
      .length,
  })
}

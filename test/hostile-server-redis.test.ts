/**
 * `acceptSessions` on a real Redis against hostile conditions: a connection
 * that drops right after an append reached Redis (ioredis re-sends it), Redis
 * losing its data, a quiet attached session, a client resuming again and again
 * in one process, and `maxBytes` with empty messages. Asserted by what Redis
 * holds and what the application saw, never by timing.
 */
import { createHash } from 'node:crypto'
import { once } from 'node:events'
import net from 'node:net'
import { Redis } from 'ioredis'
import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from 'vitest'
import { WebSocketServer } from 'ws'
import { MESSAGE_OVERHEAD } from '../src/protocol/resume.js'
import { type AcceptSessionsOptions, acceptSessions, type Session } from '../src/server/index.js'
import { redisStore } from '../src/server/redis/index.js'
import { APPEND } from '../src/server/redis/scripts.js'
import { RawClient, until } from './helpers/hostile.js'
import { type RedisServer, startRedis } from './helpers/redis.js'

let redis: RedisServer
let direct: Redis
beforeAll(async () => {
  redis = await startRedis()
  direct = new Redis({ port: redis.port, host: '127.0.0.1' })
})
afterAll(async () => {
  direct?.disconnect()
  await redis?.stop()
})

const cleanups: Array<() => unknown> = []
afterEach(async () => {
  vi.useRealTimers()
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup()
})

let prefixes = 0
function client(port = redis.port): Redis {
  const c = new Redis({ port, host: '127.0.0.1' })
  c.on('error', () => undefined)
  cleanups.push(() => c.disconnect())
  return c
}

async function server(redisClient: Redis, options: AcceptSessionsOptions = {}) {
  const prefix = `h${++prefixes}:`
  const wss = new WebSocketServer({ host: '127.0.0.1', port: 0 })
  await once(wss, 'listening')
  cleanups.push(() => new Promise((resolve) => wss.close(resolve)))
  cleanups.push(() => {
    for (const c of wss.clients) c.terminate()
  })
  const store = redisStore(redisClient, { prefix, ttl: 60_000 })
  const sessions = acceptSessions(wss, { ackDelay: 0, store, ...options })
  cleanups.push(() => sessions.close())
  const list: Session[] = []
  sessions.on('session', (s) => list.push(s))
  sessions.on('error', () => undefined)
  const url = `ws://127.0.0.1:${(wss.address() as { port: number }).port}`
  const raw = () => {
    const c = new RawClient(url)
    cleanups.push(() => c.ws.terminate())
    return c
  }
  /** A client with a welcomed session. */
  const welcomed = async () => {
    const c = raw()
    await c.opened
    c.hello()
    const { sid } = await c.welcome()
    return { c, sid, session: list.find((s) => s.id === sid) as Session }
  }
  return { wss, sessions, list, prefix, raw, welcomed, store }
}

/**
 * A TCP proxy in front of Redis that, once armed, forwards the next chunk
 * carrying the append script's SHA and then cuts both connections before the
 * reply can come back. Later connections pass.
 */
async function cuttingProxy(target: number) {
  const sha = createHash('sha1').update(APPEND).digest('hex')
  const state = { armed: false, cuts: 0 }
  const proxy = net.createServer((down) => {
    const up = net.connect({ port: target, host: '127.0.0.1' })
    up.on('error', () => undefined)
    down.on('error', () => undefined)
    up.on('data', (chunk) => down.write(chunk))
    down.on('data', (chunk) => {
      if (state.armed && chunk.includes(sha)) {
        state.armed = false
        state.cuts++
        // Redis reads the command, runs it and answers into a closed connection.
        up.end(chunk)
        down.destroy()
        return
      }
      up.write(chunk)
    })
    up.on('close', () => down.destroy())
    down.on('close', () => up.end())
  })
  proxy.listen(0, '127.0.0.1')
  await once(proxy, 'listening')
  cleanups.push(() => new Promise((resolve) => proxy.close(resolve)))
  return { port: (proxy.address() as net.AddressInfo).port, state }
}

describe('hostile conditions on Redis', () => {
  it('redisStore maxBytes counts MESSAGE_OVERHEAD per message: empty messages fill it', async () => {
    const store = redisStore(client(), { prefix: `m${++prefixes}:`, maxBytes: 1024 })
    const { epoch } = await store.create('s')
    const seqs =
      (await store.append(
        's',
        epoch,
        Array.from({ length: 2000 }, () => ''),
      )) ?? []
    expect(seqs.filter((seq) => seq > 0)).toHaveLength(Math.floor(1024 / MESSAGE_OVERHEAD))
  })

  it('an append whose reply was lost is re-sent by ioredis and stored once', async () => {
    const proxy = await cuttingProxy(redis.port)
    const s = await server(client(proxy.port))
    const { c, sid, session } = await s.welcomed()
    expect(await session.send('first')).toBe(1)
    proxy.state.armed = true
    const seq = await session.send('once')
    expect(proxy.state.cuts).toBe(1)
    expect(seq).toBe(2)
    expect(await direct.xlen(`${s.prefix}{${sid}}:out`)).toBe(2)
    await until(() => c.frames.filter((f) => f.startsWith('M')).length >= 2, 'both messages')
    expect(c.frames.filter((f) => f.startsWith('M'))).toEqual(['M1 first', 'M2 once'])
    // A resume replays each kept message once.
    const again = s.raw()
    await again.opened
    again.hello(sid, 0)
    expect((await again.welcome()).replay).toBe(2)
    await until(() => again.frames.length >= 3, 'the replay')
    expect(again.frames.slice(1)).toEqual(['M1 first', 'M2 once'])
  })

  it('Redis losing the session closes the socket with 1011 and drops with store-failed, not moved', async () => {
    const s = await server(client())
    const { c, session } = await s.welcomed()
    const drops: string[] = []
    const closes: string[] = []
    session.on('drop', (_data, reason) => drops.push(reason))
    session.on('close', (info) => closes.push(info.reason))
    await direct.flushall()
    expect(await session.send('after the outage')).toBeNull()
    expect(drops).toEqual(['store-failed'])
    expect((await c.closed).code).toBe(1011)
    expect(closes).toEqual([])
  })

  it('a session another process took and then closed, under this process’s stale socket: moved (4201), not a store failure', async () => {
    const s = await server(client())
    const { c, sid, session } = await s.welcomed()
    const errors: unknown[] = []
    const drops: string[] = []
    const closes: string[] = []
    s.sessions.on('error', (error) => errors.push(error))
    session.on('drop', (_data, reason) => drops.push(reason))
    session.on('close', (info) => closes.push(info.reason))
    // Another process of the fleet takes the session over, and its application closes it.
    const other = redisStore(client(), { prefix: s.prefix, ttl: 60_000 })
    const taken = await other.claim(sid, 0)
    if (!('epoch' in taken)) throw new Error('the other process could not take the session')
    await other.remove(sid, taken.epoch)
    expect(await session.send('to a session that ended elsewhere')).toBeNull()
    expect(drops).toEqual(['moved'])
    expect(closes).toEqual(['moved'])
    expect((await c.closed).code).toBe(4201)
    expect(errors).toEqual([])
  })

  it('an attached session does not expire in Redis while its socket is attached (no heartbeat)', async () => {
    vi.useFakeTimers({ toFake: ['setTimeout', 'clearTimeout', 'setInterval', 'clearInterval'] })
    const storeClient = client()
    const s = await server(storeClient)
    const { sid } = await s.welcomed()
    const key = `${s.prefix}{${sid}}`
    // As if most of the ttl had passed in Redis.
    await direct.pexpire(key, 5000)
    vi.advanceTimersByTime(60_000)
    // The store's connection runs commands in order: this reads after any refresh issued above.
    expect(await storeClient.pttl(key)).toBeGreaterThan(5000)
  })

  it('a client resuming again and again while the application sends: no spurious moved', async () => {
    const s = await server(client())
    const { sid, session } = await s.welcomed()
    const closes: string[] = []
    const drops: string[] = []
    session.on('close', (info) => closes.push(info.reason))
    session.on('drop', (_d, reason) => drops.push(reason))
    let sending = true
    const pump = () => {
      if (!sending) return
      for (let i = 0; i < 20; i++) void session.send('tick')
      setImmediate(pump)
    }
    pump()
    for (let i = 0; i < 30; i++) {
      const c = s.raw()
      await c.opened
      // It acknowledges as far as the session got, so the kept messages stay few.
      c.hello(sid, session.sent)
      await Promise.race([c.welcome(), c.closed])
    }
    sending = false
    expect({ closes, drops: drops.length }).toEqual({ closes: [], drops: 0 })
  })

  it('resumes that overlap (each hello before the last welcome) while the application sends: no spurious moved', async () => {
    const s = await server(client())
    const { sid, session } = await s.welcomed()
    const closes: string[] = []
    const drops: string[] = []
    session.on('close', (info) => closes.push(info.reason))
    session.on('drop', (_d, reason) => drops.push(reason))
    let sending = true
    const pump = () => {
      if (!sending) return
      for (let i = 0; i < 5; i++) void session.send('tick')
      setImmediate(pump)
    }
    pump()
    for (let round = 0; round < 5; round++) {
      const clients = Array.from({ length: 8 }, () => s.raw())
      await Promise.all(clients.map((c) => c.opened))
      const ack = session.sent
      for (const c of clients) c.hello(sid, ack)
      await Promise.all(clients.map((c) => Promise.race([c.welcome().catch(() => null), c.closed])))
    }
    sending = false
    expect({ closes, drops: drops.length }).toEqual({ closes: [], drops: 0 })
  })
})

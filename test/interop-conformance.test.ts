/**
 * The resume protocol's conformance list (interop/conformance.json) against
 * both implementations of its server side: the Python one written from the
 * document (interop/resume_server.py), and `acceptSessions` with the memory
 * store and with the Redis store. Every case must pass against all three, so
 * they answer every case the same way.
 */
import { once } from 'node:events'
import { readFileSync } from 'node:fs'
import type { AddressInfo } from 'node:net'
import { Redis } from 'ioredis'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { WebSocketServer } from 'ws'
import { acceptSessions, memoryStore, type SessionStore } from '../src/server/index.js'
import { redisStore } from '../src/server/redis/index.js'
import { type ConformanceTarget, conformanceList, runCase } from './helpers/conformance.js'
import { PythonServer } from './helpers/python-server.js'
import { type RedisServer, startRedis } from './helpers/redis.js'

const list = conformanceList()
const { ttl, ackDelay, ackEvery, ping, pong } = list.server

/** `acceptSessions` on a `ws` server on port 0, running the list's echo application. */
async function typescriptServer(store: SessionStore) {
  const wss = new WebSocketServer({ host: '127.0.0.1', port: 0 })
  await once(wss, 'listening')
  const sessions = acceptSessions(wss, { store, ackDelay, ackEvery, ping, pong })
  const expired = new Set<string>()
  const wake = new Set<() => void>()
  sessions.on('session', (session) => {
    session.on('message', (data) => {
      if (data === '!close') session.close()
      else void session.send(data)
    })
    session.on('close', ({ reason }) => {
      if (reason !== 'expired') return
      expired.add(session.id)
      for (const w of wake) w()
    })
  })
  const { waitFor } = await import('./harness/wait.js')
  const target: ConformanceTarget = {
    url: `ws://127.0.0.1:${(wss.address() as AddressInfo).port}`,
    expired: (sid) =>
      waitFor(
        () => expired.has(sid),
        `session ${sid} to expire`,
        15_000,
        (w) => {
          wake.add(w)
          return () => wake.delete(w)
        },
      ).then(() => undefined),
  }
  const close = async () => {
    sessions.close()
    for (const ws of wss.clients) ws.terminate()
    await new Promise((resolve) => wss.close(resolve))
  }
  return { target, close }
}

describe('the conformance list', () => {
  it('docs/resume-protocol.md names every case of interop/conformance.json, and no other', () => {
    const doc = readFileSync(new URL('../docs/resume-protocol.md', import.meta.url), 'utf8')
    const section = doc.slice(doc.indexOf('## Conformance'), doc.indexOf('## Changelog'))
    const rows = [...section.matchAll(/^\| (\d+) +\| (.+?) +\|$/gm)].map((m) => `${m[1]} ${m[2]}`)
    expect(rows).toEqual(list.cases.map((c) => `${c.id} ${c.title}`))
    expect(list.cases.map((c) => c.id)).toEqual(list.cases.map((_, i) => i + 1))
  })
})

describe('conformance list: the Python server (interop/resume_server.py)', () => {
  let python: PythonServer
  beforeAll(async () => {
    python = await PythonServer.start({ ttl, ackDelay, ackEvery, ping, pong })
  })
  afterAll(() => python?.kill())
  for (const c of list.cases) {
    it(`case ${c.id}: ${c.title}`, () =>
      runCase(c, { url: python.url, expired: (sid) => python.expired(sid).then(() => undefined) }))
  }
})

describe('conformance list: acceptSessions with memoryStore', () => {
  let server: Awaited<ReturnType<typeof typescriptServer>>
  beforeAll(async () => {
    server = await typescriptServer(memoryStore({ ttl }))
  })
  afterAll(() => server?.close())
  for (const c of list.cases) it(`case ${c.id}: ${c.title}`, () => runCase(c, server.target))
})

describe('conformance list: acceptSessions with redisStore', () => {
  let redis: RedisServer
  let client: Redis
  let server: Awaited<ReturnType<typeof typescriptServer>>
  beforeAll(async () => {
    redis = await startRedis()
    client = new Redis({ ...redis.connection, lazyConnect: false })
    server = await typescriptServer(redisStore(client, { ttl }))
  })
  afterAll(async () => {
    await server?.close()
    client?.disconnect()
    await redis?.stop()
  })
  for (const c of list.cases) it(`case ${c.id}: ${c.title}`, () => runCase(c, server.target))
})

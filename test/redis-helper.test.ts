/**
 * The test helper that starts redis-server: a port taken between the pick and
 * Redis's bind is read from Redis's output and retried on a fresh port, and the
 * Unix-socket mode comes back at the same address after an outage.
 */
import { once } from 'node:events'
import net from 'node:net'
import { Redis } from 'ioredis'
import { describe, expect, it } from 'vitest'
import { startRedis } from './helpers/redis.js'

async function listen(): Promise<net.Server> {
  const server = net.createServer()
  server.listen(0, '127.0.0.1')
  await once(server, 'listening')
  return server
}

describe('startRedis', () => {
  it('a port taken before Redis binds it: the conflict is detected and a fresh port is used', async () => {
    const squatter = await listen()
    const taken = (squatter.address() as net.AddressInfo).port
    const picked: number[] = []
    // The first pick is a port somebody else holds (the race, made certain); later picks are free.
    const redis = await startRedis({
      pickPort: async () => {
        if (picked.length === 0) {
          picked.push(taken)
          return taken
        }
        const probe = await listen()
        const port = (probe.address() as net.AddressInfo).port
        await new Promise((resolve) => probe.close(resolve))
        picked.push(port)
        return port
      },
    })
    try {
      expect(picked).toHaveLength(2)
      expect(redis.port).toBe(picked[1])
      expect(redis.port).not.toBe(taken)
      const client = new Redis({ ...redis.connection, lazyConnect: true })
      await client.connect()
      expect(await client.ping()).toBe('PONG')
      client.disconnect()
    } finally {
      await redis.stop()
      await new Promise((resolve) => squatter.close(resolve))
    }
  })

  it('gives up with a clear error when every port is taken', async () => {
    const squatter = await listen()
    const taken = (squatter.address() as net.AddressInfo).port
    try {
      await expect(startRedis({ pickPort: async () => taken })).rejects.toThrow(
        `every port tried was taken before redis-server could bind it: ${taken}`,
      )
    } finally {
      await new Promise((resolve) => squatter.close(resolve))
    }
  })

  it('on a Unix socket: TCP is off, and restart() comes back at the same path, empty', async () => {
    const redis = await startRedis({ socket: true })
    const client = new Redis({ ...redis.connection, lazyConnect: true, maxRetriesPerRequest: 0 })
    try {
      expect(redis.port).toBe(0)
      expect(redis.connection).toEqual({ path: redis.path })
      await client.connect()
      await client.set('k', 'v')
      expect(await client.config('GET', 'port')).toEqual(['port', '0'])
      await redis.kill()
      await redis.restart()
      // ioredis reconnects on its own to the same path.
      await client.ping().catch(() => client.ping())
      expect(await client.get('k')).toBeNull()
    } finally {
      client.disconnect()
      await redis.stop()
    }
  })
})

/** Real `ws` servers on port 0 for integration tests, disposed by the test. */
import type { AddressInfo } from 'node:net'
import { WebSocket, WebSocketServer } from 'ws'
import { attachHeartbeat } from '../../src/server/index.js'

export interface TestServer {
  wss: WebSocketServer
  port: number
  url: string
  /** Every text message received, across all clients, in arrival order. */
  received: string[]
  /** Connections accepted so far. */
  connections: number
  close(): Promise<void>
  /** Destroys every client's TCP connection (the client sees 1006). */
  dropClients(): void
}

/**
 * A server on `port`. A restart on a freed port may find it taken by another
 * process meanwhile: the error (EADDRINUSE) arrives at once, and a few more
 * attempts are made before it is thrown.
 */
async function listen(port: number): Promise<WebSocketServer> {
  for (let attempt = 1; ; attempt++) {
    const wss = new WebSocketServer({ host: '127.0.0.1', port })
    const error = await new Promise<NodeJS.ErrnoException | undefined>((resolve) => {
      wss.once('listening', () => resolve(undefined))
      wss.once('error', resolve)
    })
    if (error === undefined) return wss
    wss.close()
    if (error.code !== 'EADDRINUSE' || port === 0 || attempt >= 10) throw error
    // The other holder may be about to let go: try again a little later.
    await new Promise((resolve) => setTimeout(resolve, 50))
  }
}

export async function startServer(
  options: { port?: number; echo?: boolean; heartbeat?: boolean } = {},
): Promise<TestServer> {
  const wss = await listen(options.port ?? 0)
  const port = (wss.address() as AddressInfo).port
  const server: TestServer = {
    wss,
    port,
    url: `ws://127.0.0.1:${port}`,
    received: [],
    connections: 0,
    close: () =>
      new Promise<void>((resolve) => {
        for (const client of wss.clients) client.terminate()
        wss.close(() => resolve())
      }),
    dropClients: () => {
      for (const client of wss.clients) client.terminate()
    },
  }
  if (options.heartbeat !== false) attachHeartbeat(wss, { sweepInterval: 0 })
  wss.on('connection', (socket) => {
    server.connections++
    socket.on('message', (data, isBinary) => {
      if (isBinary) return
      const text = data.toString()
      if (text === 'ping') return
      server.received.push(text)
      if (options.echo !== false && socket.readyState === WebSocket.OPEN)
        socket.send(`echo:${text}`)
    })
  })
  return server
}

/** Resolves with the first event of `type` that satisfies `predicate`. */
export function next<T>(
  target: {
    addEventListener(type: never, listener: never): void
    removeEventListener(type: never, listener: never): void
  },
  type: string,
  predicate: (event: T) => boolean = () => true,
  timeoutMs = 10_000,
): Promise<T> {
  return new Promise<T>((resolve, reject) => {
    const t = target as unknown as {
      addEventListener(type: string, listener: (e: T) => void): void
      removeEventListener(type: string, listener: (e: T) => void): void
    }
    const timer = setTimeout(() => {
      t.removeEventListener(type, listener)
      reject(new Error(`timed out waiting for "${type}"`))
    }, timeoutMs)
    const listener = (event: T) => {
      if (!predicate(event)) return
      clearTimeout(timer)
      t.removeEventListener(type, listener)
      resolve(event)
    }
    t.addEventListener(type, listener)
  })
}

/** A clock on real timers that knows how many of its timers are pending. */
export function trackingClock() {
  const pending = new Set<ReturnType<typeof setTimeout>>()
  return {
    setTimeout(fn: () => void, ms: number) {
      const id = setTimeout(() => {
        pending.delete(id)
        fn()
      }, ms)
      pending.add(id)
      return id
    },
    clearTimeout(id: ReturnType<typeof setTimeout>) {
      pending.delete(id)
      clearTimeout(id)
    },
    now: () => Date.now(),
    get pending() {
      return pending.size
    },
  }
}

/**
 * A resume client streaming through the TCP fault proxy (test/harness/proxy.ts)
 * to a server, a fault injected in mid-stream: the set-up shared by the fault
 * matrix (test/resume-faults.test.ts, a heartline session server) and the interop
 * tests (test/interop-client.test.ts, the Python server). Everything it starts is
 * ended after each test, last started first, with what the test adds to `cleanups`.
 */
import { afterEach } from 'vitest'
import { FaultProxy } from '../harness/proxy.js'
import { StreamClient, sessionOf } from './resume-client.js'

export interface FaultStreams {
  /** Run after each test, last first; add what the test starts itself. */
  cleanups: Array<() => unknown>
  /** A fault proxy in front of the server on `port`. */
  proxyTo(port: number): Promise<FaultProxy>
  /**
   * Streams messages 1…count to `url`; `fault` runs in mid-stream (at `hold`),
   * the rest goes out once the session recovered (resumed or reset).
   */
  streamClient(url: string, fault: () => unknown): StreamClient
  /**
   * Waits until the last session holds `received` server messages and the server
   * acknowledged all `count` client messages.
   */
  allArrived(client: StreamClient, received: number): Promise<void>
}

/** Call at the top of a test file: registers the afterEach that runs `cleanups`. */
export function faultStreams({ count, hold }: { count: number; hold: number }): FaultStreams {
  const cleanups: Array<() => unknown> = []
  afterEach(async () => {
    for (const cleanup of cleanups.splice(0).reverse()) await cleanup()
  })
  return {
    cleanups,
    async proxyTo(port) {
      const proxy = await FaultProxy.start(port)
      cleanups.push(() => proxy.close())
      return proxy
    },
    streamClient(url, fault) {
      const client = new StreamClient(url, {
        count,
        hold,
        fault: async () => {
          const recoveries = client.resumed.length + client.resets.length
          await fault()
          await client.waitFor(
            () => client.resumed.length + client.resets.length > recoveries,
            'recovery after the fault',
          )
          client.release()
        },
      })
      cleanups.push(() => client.conn.close())
      return client
    },
    async allArrived(client, received) {
      await client.waitFor(
        () => (client.sessions.at(-1) as number[]).length === received,
        () => `all server messages (have ${client.sessions.at(-1)?.length} of ${received})`,
      )
      await client.waitFor(
        () => client.sent === count && sessionOf(client.conn)?.buffered === 0,
        'every client message acknowledged',
      )
    },
  }
}

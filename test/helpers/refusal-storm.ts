/**
 * The refusal storm's server side and its check, shared by test/refusal.test.ts
 * (Node clients) and test/browser-storm.test.ts (the same clients in Chromium);
 * the clients themselves are in storm-clients.ts (bundled into the page, so kept
 * free of Node and vitest).
 */
import { expect } from 'vitest'
import type { WebSocketServer } from 'ws'
import { admission } from '../../src/server/index.js'
import { STORM_CLIENTS, STORM_PER_CLIENT } from './storm-clients.js'

export {
  STORM_CLIENTS,
  STORM_PER_CLIENT,
  type StormClients,
  stormClients,
} from './storm-clients.js'

/**
 * admission() on `wss` with a bucket of 100 handshakes whose clock moves only
 * when the test says: each `refill()` is one second later (100 more handshakes).
 */
export function stormAdmission(wss: WebSocketServer): { refill(): void } {
  let serverNow = 0
  admission(wss, { perSecond: 100, burst: 100, now: () => serverNow })
  return {
    refill() {
      serverNow += 1000
    },
  }
}

/** Every client's messages arrived once each, all of them, in order per client. */
export function expectEachOnceInOrder(messages: readonly string[]): void {
  expect(new Set(messages).size).toBe(messages.length)
  expect(messages.length).toBe(STORM_CLIENTS * STORM_PER_CLIENT)
  const last = new Map<string, number>()
  for (const m of messages) {
    const [c, i] = m.split(':') as [string, string]
    expect(Number(i)).toBe((last.get(c) ?? -1) + 1)
    last.set(c, Number(i))
  }
}

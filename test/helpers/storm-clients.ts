/**
 * The clients of the refusal storm (admission's default refusal, clients without
 * resume): 300 connections, each with 10 messages queued before it opens. Used
 * as is in Node (test/refusal.test.ts) and bundled into Chromium's page
 * (test/fixtures/storm-page.ts, for test/browser-storm.test.ts), so it imports
 * nothing but heartline's main entry.
 */
import { type Connection, type ConnectionOptions, createConnection } from '../../src/index.js'

export const STORM_CLIENTS = 300
export const STORM_PER_CLIENT = 10

export interface StormClients {
  conns: Connection[]
  /** Every drop, as `data reason`. */
  drops: string[]
  /** The index of the client, once per close with 1013 (a refusal). */
  refusals: number[]
  /** Every other close, as `code cause reason`. */
  codes: string[]
}

/**
 * The storm's connections to `url`, with `options` (the WebSocket and the clock
 * of the place it runs) over the storm's own: no heartbeat, a fixed jitter draw,
 * backoff from 100 ms to 1 s. Client `c` queues `c:0` … `c:9`.
 */
export function stormClients(url: string, options: Partial<ConnectionOptions>): StormClients {
  const storm: StormClients = { conns: [], drops: [], refusals: [], codes: [] }
  for (let c = 0; c < STORM_CLIENTS; c++) {
    const conn = createConnection(url, {
      ...options,
      heartbeat: false,
      random: () => 0.5,
      reconnect: { initialDelay: 100, maxDelay: 1000 },
    })
    conn.addEventListener('drop', (e) => storm.drops.push(`${String(e.data)} ${e.reason}`))
    conn.addEventListener('close', (e) => {
      if (e.code === 1013) storm.refusals.push(c)
      else storm.codes.push(`${e.code} ${e.cause} ${e.reason}`)
    })
    for (let i = 0; i < STORM_PER_CLIENT; i++) conn.send(`${c}:${i}`)
    storm.conns.push(conn)
  }
  return storm
}

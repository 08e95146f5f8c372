/**
 * The conformance table in Node: every row not marked browser-only runs against
 * `ws` (the reference) and against heartline's Connection over `ws`, and the
 * observable results must be identical, except for the documented deviations,
 * the rows where `ws` itself departs from the standard, and the rows listed in
 * KNOWN_DIFFERENCES.node (which must still differ: a fixed row is removed from it).
 */

import { readFileSync } from 'node:fs'
import { afterAll, beforeAll, expect, it } from 'vitest'
import WS from 'ws'
import { Connection, createConnection } from '../src/index.js'
import {
  BEHAVIOURS,
  failedRows,
  type Json,
  ROW_FAILED,
  type Row,
  runRows,
} from './conformance/behaviours.js'
import { compare, deviationTables, summary } from './conformance/compare.js'
import type { Sock } from './conformance/kit.js'
import { KNOWN_DIFFERENCES } from './conformance/known-differences.js'
import { type ConformanceServer, startConformanceServer } from './conformance/server.js'
import { heartlineOptions } from './conformance/shim.js'

let server: ConformanceServer
beforeAll(async () => {
  server = await startConformanceServer()
})
afterAll(async () => server?.close())

/** A `ws` client; its 'error' emit throws without a listener (an EventEmitter rule), so one is added. */
const ws = (url: unknown, protocols?: unknown): Sock => {
  const socket = new WS(url as string, protocols as string[] | undefined)
  socket.on('error', () => undefined)
  return socket as unknown as Sock
}

it('behaves like ws on every row of the table', async () => {
  const where = { env: 'node' as const, base: `ws://127.0.0.1:${server.port}` }
  const reference: Record<string, Json> = await runRows(
    BEHAVIOURS,
    { make: ws, Class: WS as unknown as Record<string, unknown>, plain: ws },
    where,
  )
  const heartline = await runRows(
    BEHAVIOURS,
    {
      make: (url, protocols, extra) =>
        createConnection(
          url as string,
          heartlineOptions(protocols, extra, { WebSocket: WS }),
        ) as unknown as Sock,
      Class: Connection as unknown as Record<string, unknown>,
      plain: ws,
    },
    where,
  )
  const result = compare(BEHAVIOURS, reference, heartline, 'node', KNOWN_DIFFERENCES.node)
  console.log(summary('node', result))
  if (process.env.CONFORMANCE_DUMP) console.log(JSON.stringify({ reference, heartline }, null, 1))
  expect(result.failed).toEqual([])
  expect(result.undocumented).toEqual([])
  expect(result.unexpected).toEqual([])
  expect(result.stale).toEqual([])
  expect(result.identical.length).toBeGreaterThan(0)
  expect(result.deviations).toHaveLength(BEHAVIOURS.filter((r) => r.deviation).length)
  // The table in docs/drop-in.md lists exactly the deviation rows.
  const { docs, rows } = deviationTables(
    BEHAVIOURS,
    readFileSync(new URL('../docs/drop-in.md', import.meta.url), 'utf8'),
  )
  expect(docs).toEqual(rows)
})

it('a row that threw or hung fails the comparison on either side, even when both sides agree', () => {
  const row = (id: string, extra: Partial<Row> = {}): Row => ({
    id,
    description: id,
    run: async () => null,
    ...extra,
  })
  const broke = { [ROW_FAILED]: 'threw boom' }
  const hung = { [ROW_FAILED]: 'no result within 10000 ms' }
  const documented = { table: 'x', reference: 1, heartline: 2 }
  const rows = [
    row('both-threw'),
    row('ref-hung'),
    row('dev-threw', { deviation: 'x', documented }),
    row('dev-ok', { deviation: 'x', documented }),
    row('dev-changed', { deviation: 'x', documented }),
    row('dev-gone', { deviation: 'x', documented }),
    row('dev-undocumented', { deviation: 'x' }),
  ]
  const reference = {
    'both-threw': broke,
    'ref-hung': hung,
    'dev-threw': 1,
    'dev-ok': 1,
    'dev-changed': 1,
    'dev-gone': 1,
    'dev-undocumented': 1,
  }
  const heartline = {
    'both-threw': broke,
    'ref-hung': 'x',
    'dev-threw': broke,
    'dev-ok': 2,
    'dev-changed': 3,
    'dev-gone': 1,
    'dev-undocumented': 2,
  }
  const result = compare(rows, reference, heartline, 'node', [])
  expect(result.failed.map((f) => f.id)).toEqual(['both-threw', 'ref-hung', 'dev-threw'])
  expect(result.deviations).toEqual(['dev-ok'])
  expect(result.undocumented.map((f) => f.id)).toEqual([
    'dev-changed',
    'dev-gone',
    'dev-undocumented',
  ])
  expect(result.identical).toEqual([])
  expect(failedRows(heartline)).toEqual(['both-threw: threw boom', 'dev-threw: threw boom'])
})

it('the runner records a row that throws or hangs as failed, not as a result', async () => {
  const rows: Row[] = [
    { id: 'throws', description: '', run: async () => Promise.reject(new Error('boom')) },
    { id: 'returns', description: '', run: async () => 'fine' },
  ]
  const maker = { make: ws, Class: {}, plain: ws }
  const results = await runRows(rows, maker, {
    env: 'node',
    base: `ws://127.0.0.1:${server.port}`,
  })
  expect(failedRows(results)).toEqual(['throws: threw boom'])
  expect(results.returns).toBe('fine')
})

it('the comparison fails on an unlisted difference and on a listed row that now matches', () => {
  const row = (id: string, extra: Partial<Row> = {}): Row => ({
    id,
    description: id,
    run: async () => null,
    ...extra,
  })
  const rows = [
    row('same'),
    row('fixed'),
    row('broken'),
    row('still'),
    row('dev', { deviation: 'x', documented: { table: 'x', reference: 5, heartline: 0 } }),
  ]
  const reference = { same: 1, fixed: 2, broken: 3, still: 4, dev: 5 }
  const heartline = { same: 1, fixed: 2, broken: 0, still: 0, dev: 0 }
  const result = compare(rows, reference, heartline, 'node', ['fixed', 'still', 'gone'])
  expect(result.identical).toEqual(['same'])
  expect(result.known).toEqual(['still'])
  expect(result.deviations).toEqual(['dev'])
  expect(result.unexpected.map((u) => u.id)).toEqual(['broken'])
  expect(result.stale).toEqual(['fixed', 'gone'])
})

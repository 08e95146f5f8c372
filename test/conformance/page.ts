/**
 * The Chromium page's entry (bundled by esbuild): runs the whole table against
 * the browser's own WebSocket, then against heartline's Connection.
 */
import { Connection, createConnection } from '../../src/index.js'
import { BEHAVIOURS, type Json, runRows } from './behaviours.js'
import type { Sock } from './kit.js'
import { heartlineOptions } from './shim.js'

const native = (url: unknown, protocols?: unknown): Sock =>
  (protocols === undefined
    ? new WebSocket(url as string)
    : new WebSocket(url as string, protocols as string[])) as unknown as Sock

async function runConformance(
  base: string,
): Promise<{ reference: Record<string, Json>; heartline: Record<string, Json> }> {
  const where = { env: 'browser' as const, base }
  const Class = WebSocket as unknown as Record<string, unknown>
  const reference = await runRows(BEHAVIOURS, { make: native, Class, plain: native }, where)
  const heartline = await runRows(
    BEHAVIOURS,
    {
      make: (url, protocols, extra) =>
        createConnection(url as string, heartlineOptions(protocols, extra)) as unknown as Sock,
      Class: Connection as unknown as Record<string, unknown>,
      plain: native,
    },
    where,
  )
  return { reference, heartline }
}

;(globalThis as { runConformance?: typeof runConformance }).runConformance = runConformance

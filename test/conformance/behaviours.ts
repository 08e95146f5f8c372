/**
 * The conformance table: the observable behaviours of the WebSocket interface,
 * each a scenario run against a constructor shaped like `new WebSocket(url,
 * protocols)`. Results are plain JSON, compared row by row between the reference
 * (the browser's own WebSocket in Chromium, `ws` in Node) and heartline.
 */
import type { Ctx, Json, Row, Sock } from './kit.js'
import { ATTRIBUTE_ROWS } from './rows-attributes.js'
import { CLOSE_ROWS } from './rows-close.js'
import { CONSTRUCTOR_ROWS } from './rows-constructor.js'
import { EVENT_ROWS } from './rows-events.js'

export type { Ctx, Json, Row } from './kit.js'

export const BEHAVIOURS: Row[] = [
  ...CONSTRUCTOR_ROWS,
  ...ATTRIBUTE_ROWS,
  ...EVENT_ROWS,
  ...CLOSE_ROWS,
]

/** A row that has not finished by then has hung: its result says so instead of the run hanging. */
const ROW_BOUND_MS = 10_000

export interface Maker {
  make(url: unknown, protocols?: unknown, extra?: Record<string, unknown>): Sock
  Class: Record<string, unknown>
  plain(url: string): Sock
}

/** Runs `rows` one after another; every socket a row made is closed before the next row. */
export async function runRows(
  rows: Row[],
  maker: Maker,
  where: { env: Ctx['env']; base: string },
): Promise<Record<string, Json>> {
  const results: Record<string, Json> = {}
  let serial = 0
  for (const row of rows) {
    if (row.env === 'browser' && where.env !== 'browser') continue
    const made: Sock[] = []
    const track = (sock: Sock) => {
      made.push(sock)
      return sock
    }
    const ctx: Ctx = {
      env: where.env,
      base: where.base,
      host: where.base.replace(/^ws:\/\//, ''),
      Class: maker.Class,
      make: (...args) => track(maker.make(...args)),
      plain: (url) => track(maker.plain(url)),
      id: () => `${row.id}-${++serial}-${Math.random().toString(36).slice(2)}`,
    }
    let timer: ReturnType<typeof setTimeout> | undefined
    const bound = new Promise<unknown>((resolve) => {
      timer = setTimeout(() => resolve('timed out'), ROW_BOUND_MS)
    })
    try {
      const value = await Promise.race([row.run(ctx), bound])
      results[row.id] = JSON.parse(JSON.stringify(value ?? null)) as Json
    } catch (error) {
      results[row.id] = { scenarioFailed: String((error as Error)?.message ?? error) }
    } finally {
      clearTimeout(timer)
    }
    for (const sock of made) {
      try {
        sock.close()
      } catch {
        // Already closed or never valid: nothing to release.
      }
    }
  }
  return results
}

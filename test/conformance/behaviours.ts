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

/** A row that has not finished by then has hung: the run records that instead of hanging. */
const ROW_BOUND_MS = 10_000

/**
 * The result of a row that threw or hung. No row returns an object with this
 * key, and the comparison refuses it on either side: a scenario that broke is a
 * failure, never a value that could compare equal to the other side's.
 */
export const ROW_FAILED = 'conformance row failed'

/** The ids of rows in `results` that threw or hung, each with what happened. */
export function failedRows(results: Record<string, Json>): string[] {
  const out: string[] = []
  for (const [id, value] of Object.entries(results)) {
    const failure = failureOf(value)
    if (failure !== undefined) out.push(`${id}: ${failure}`)
  }
  return out
}

export function failureOf(value: Json | undefined): string | undefined {
  if (value === null || typeof value !== 'object' || Array.isArray(value)) return undefined
  const failure = (value as Record<string, Json>)[ROW_FAILED]
  return typeof failure === 'string' ? failure : undefined
}

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
    const hung = Symbol('hung')
    const bound = new Promise<typeof hung>((resolve) => {
      timer = setTimeout(() => resolve(hung), ROW_BOUND_MS)
    })
    try {
      const value = await Promise.race([row.run(ctx), bound])
      results[row.id] =
        value === hung
          ? { [ROW_FAILED]: `no result within ${ROW_BOUND_MS} ms` }
          : (JSON.parse(JSON.stringify(value ?? null)) as Json)
    } catch (error) {
      results[row.id] = { [ROW_FAILED]: `threw ${String((error as Error)?.message ?? error)}` }
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

/**
 * What every conformance row is written against: a constructor shaped like
 * `new WebSocket(url, protocols)`, the server of test/conformance/server.ts, and
 * small helpers that wait for events (never for time). Runs in Node and, bundled,
 * in the Chromium page, so nothing here imports Node or DOM-only modules.
 */

/** The surface of the WebSocket interface the rows read and call, loosely typed on purpose. */
export interface Sock {
  readonly url: string
  readonly readyState: number
  readonly bufferedAmount: number
  readonly extensions: unknown
  readonly protocol: unknown
  binaryType: unknown
  onopen: unknown
  onmessage: unknown
  onerror: unknown
  onclose: unknown
  readonly CONNECTING: number
  readonly OPEN: number
  readonly CLOSING: number
  readonly CLOSED: number
  send(data: unknown): unknown
  close(code?: unknown, reason?: unknown): void
  addEventListener(type: string, listener: unknown, options?: unknown): void
  removeEventListener(type: string, listener: unknown, options?: unknown): void
  dispatchEvent?: unknown
}

/** A received event, read field by field. */
export type Ev = Record<string, unknown> & { type: string }

export type Json = null | boolean | number | string | Json[] | { [key: string]: Json }

export interface Ctx {
  env: 'browser' | 'node'
  /** Creates the socket under test; `extra` is heartline-only options (ignored by the others). */
  make(url: unknown, protocols?: unknown, extra?: Record<string, unknown>): Sock
  /** The constructor itself, for its static constants. */
  Class: Record<string, unknown>
  /** The reference constructor (the browser's WebSocket or `ws`), for queries to the server. */
  plain(url: string): Sock
  /** `ws://127.0.0.1:PORT`: the conformance server. */
  base: string
  /** `127.0.0.1:PORT`, replaced by HOST in results. */
  host: string
  /** A fresh id for the server's per-connection records. */
  id(): string
}

export interface Row {
  id: string
  description: string
  /** `browser`: meaningful only with a page (a base URL); the Node run leaves it out. */
  env?: 'browser'
  /** A deliberate heartline deviation and why: run, printed, and checked against `documented`. */
  deviation?: string
  /**
   * For a deviation row, what docs/drop-in.md says: `table` is the first cell of
   * its row in the table of deliberate deviations, and each side must return
   * exactly these results (`ws`, where the Node reference departs from the
   * browser's), so a deviation that disappears or changes shape fails the run.
   */
  documented?: { table: string; reference: Json; heartline: Json; ws?: Json }
  /** Where `ws` itself departs from the standard: the Node run does not compare the row. */
  wsDeparts?: string
  /** Returns what was observed; stored as JSON (undefined becomes null). */
  run(ctx: Ctx): Promise<unknown>
}

export function hostless(ctx: Ctx, text: unknown): Json {
  return typeof text === 'string' ? text.split(ctx.host).join('HOST') : String(text)
}

/** How a call failed: the error's name and whether it is a DOMException. */
export function thrown(run: () => unknown): Json {
  try {
    run()
    return 'no error'
  } catch (error) {
    const e = error as { name?: unknown }
    const dom = typeof DOMException === 'function' && error instanceof DOMException
    return { threw: String(e.name), dom }
  }
}

/** The next event of `type`; rejects when the socket closes first (unless `type` is close). */
export function next(sock: Sock, type: string): Promise<Ev> {
  return new Promise((resolve, reject) => {
    const done = (event: Ev) => {
      sock.removeEventListener(type, done)
      sock.removeEventListener('close', early)
      resolve(event)
    }
    const early = (event: Ev) => {
      sock.removeEventListener(type, done)
      sock.removeEventListener('close', early)
      reject(new Error(`closed (${String(event.code)}) while waiting for ${type}`))
    }
    sock.addEventListener(type, done)
    if (type !== 'close') sock.addEventListener('close', early)
  })
}

/** A socket to `path` on the conformance server, open. */
export async function opened(ctx: Ctx, path = '/echo', protocols?: unknown): Promise<Sock> {
  const sock =
    protocols === undefined ? ctx.make(ctx.base + path) : ctx.make(ctx.base + path, protocols)
  await next(sock, 'open')
  return sock
}

/** Sends `data` and resolves with the echo. */
export async function echo(sock: Sock, data: unknown): Promise<Ev> {
  const reply = next(sock, 'message')
  sock.send(data)
  return reply
}

/** What the server saw when the client with `id` closed: `{ code, reason }`. */
export async function serverSaw(ctx: Ctx, id: string): Promise<Json> {
  const query = ctx.plain(`${ctx.base}/closed?id=${id}`)
  const message = await next(query, 'message')
  query.close()
  return JSON.parse(String(message.data)) as Json
}

/**
 * A full round trip through the server on a separate socket: everything the
 * socket under test had in flight before this has been delivered by the time it
 * resolves (loopback, one server process, one client event loop).
 */
export async function settle(ctx: Ctx): Promise<void> {
  const probe = ctx.plain(`${ctx.base}/echo`)
  await next(probe, 'open')
  await echo(probe, 'settle')
  probe.close()
}

/** Records `types` as `type:readyState` strings, in order of dispatch. */
export function record(sock: Sock, types: string[]): string[] {
  const log: string[] = []
  for (const type of types)
    sock.addEventListener(type, () => log.push(`${type}:${sock.readyState}`))
  return log
}

/** The class name of a value as `Object.prototype.toString` reports it (`ArrayBuffer`, `Blob`…). */
export function kind(value: unknown): string {
  return Object.prototype.toString.call(value).slice(8, -1)
}

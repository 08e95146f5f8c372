/**
 * An in-memory stand-in for the Web Locks API (https://w3c.github.io/web-locks/)
 * as `heartline/shared` uses it, for unit tests in Node (which has no
 * `navigator.locks`): exclusive locks granted one holder at a time in request
 * order, held until the callback's promise settles, requests withdrawn by an
 * `AbortSignal` (rejecting with an `AbortError`), `ifAvailable`, `query()`.
 * Each tab is a client of one `LockHub`; `gone(client)` is what the browser does
 * when a tab closes, crashes or is discarded: its locks are released and its
 * pending requests dropped, with no callback of its own running.
 */
import type { LockManagerLike } from '../../src/shared/membership.js'

interface Request {
  client: string
  name: string
  callback: (lock: unknown) => unknown
  resolve(value: unknown): void
  reject(error: unknown): void
  signal: AbortSignal | undefined
  onAbort: () => void
}

export class LockHub {
  readonly #held = new Map<string, Request>()
  readonly #queue: Request[] = []
  readonly #gone = new Set<string>()
  /** Every grant, in order, as `client name` (what a test can read the election from). */
  readonly grants: string[] = []

  manager(client: string): LockManagerLike {
    return {
      request: (name, options, callback) => this.#request(client, name, options, callback),
      query: async () => ({
        held: [...this.#held.values()].map((r) => ({ name: r.name, clientId: r.client })),
        pending: this.#queue.map((r) => ({ name: r.name, clientId: r.client })),
      }),
    }
  }

  /** The names `client` holds now. */
  heldBy(client: string): string[] {
    return [...this.#held.values()].filter((r) => r.client === client).map((r) => r.name)
  }

  /** The names `client` waits for now. */
  pendingFor(client: string): string[] {
    return this.#queue.filter((r) => r.client === client).map((r) => r.name)
  }

  /** The tab's page went away (closed, crashed, discarded): what it held is free. */
  gone(client: string): void {
    this.#gone.add(client)
    for (let i = this.#queue.length - 1; i >= 0; i--) {
      if (this.#queue[i]?.client === client) this.#queue.splice(i, 1)
    }
    for (const [name, request] of this.#held) {
      if (request.client === client) this.#release(name, request)
    }
  }

  #request(
    client: string,
    name: string,
    options: { mode?: 'exclusive' | 'shared'; signal?: AbortSignal; ifAvailable?: boolean },
    callback: (lock: unknown) => unknown,
  ): Promise<unknown> {
    if (options.mode === 'shared') throw new Error('LockHub: shared locks are not modelled')
    if (this.#gone.has(client)) return new Promise(() => {})
    const { signal } = options
    if (signal?.aborted) return Promise.reject(abortError())
    return new Promise((resolve, reject) => {
      const request: Request = {
        client,
        name,
        callback,
        resolve,
        reject,
        signal,
        onAbort: () => {
          const at = this.#queue.indexOf(request)
          if (at < 0) return
          this.#queue.splice(at, 1)
          reject(abortError())
        },
      }
      if (options.ifAvailable && (this.#held.has(name) || this.#waiting(name))) {
        queueMicrotask(() => this.#run(request, null))
        return
      }
      signal?.addEventListener('abort', request.onAbort, { once: true })
      this.#queue.push(request)
      this.#pump()
    })
  }

  #waiting(name: string): boolean {
    return this.#queue.some((r) => r.name === name)
  }

  #pump(): void {
    for (const request of [...this.#queue]) {
      if (this.#held.has(request.name)) continue
      // FIFO per name: only the first waiter for a free name is granted.
      if (this.#queue.find((r) => r.name === request.name) !== request) continue
      this.#queue.splice(this.#queue.indexOf(request), 1)
      request.signal?.removeEventListener('abort', request.onAbort)
      this.#held.set(request.name, request)
      this.grants.push(`${request.client} ${request.name}`)
      // The spec runs the callback in a later task, never inside request().
      queueMicrotask(() => this.#run(request, request))
    }
  }

  #run(request: Request, lock: Request | null): void {
    let result: unknown
    try {
      result = request.callback(lock === null ? null : { name: request.name, mode: 'exclusive' })
    } catch (error) {
      if (lock) this.#release(request.name, request)
      request.reject(error)
      return
    }
    Promise.resolve(result).then(
      (value) => {
        if (lock) this.#release(request.name, request)
        request.resolve(value)
      },
      (error: unknown) => {
        if (lock) this.#release(request.name, request)
        request.reject(error)
      },
    )
  }

  #release(name: string, request: Request): void {
    if (this.#held.get(name) !== request) return
    this.#held.delete(name)
    this.#pump()
  }
}

function abortError(): Error {
  return new DOMException('The lock request was aborted.', 'AbortError')
}

/**
 * Hostile peers for the server tests: raw `ws` clients that speak as much of the
 * resume protocol as a test needs (and no more), a store wrapper that counts the
 * calls a server makes, and a wait that keeps working under vitest's fake timers
 * (it polls with the real timers, saved when this module loads).
 */
import { once } from 'node:events'
import WebSocket from 'ws'
import type { SessionStore } from '../../src/server/index.js'

const realSetTimeout = globalThis.setTimeout
const realClearTimeout = globalThis.clearTimeout

/** Resolves once `check` holds, re-checked every 5 ms of real time; fails after `timeout` ms. */
export function until<T>(
  check: () => T | undefined | false,
  what: string | (() => string),
  timeout = 10_000,
): Promise<T> {
  const started = performance.now()
  return new Promise<T>((resolve, reject) => {
    const poll = () => {
      let value: T | undefined | false
      try {
        value = check()
      } catch (error) {
        reject(error)
        return
      }
      if (value) return resolve(value)
      if (performance.now() - started > timeout) {
        reject(new Error(`timed out waiting for ${typeof what === 'function' ? what() : what}`))
        return
      }
      const timer = realSetTimeout(poll, 5)
      void timer
    }
    poll()
  })
}

export { realClearTimeout }

/** A raw client: every text frame it receives, its close, helpers to speak the protocol. */
export class RawClient {
  readonly ws: WebSocket
  readonly frames: string[] = []
  close: { code: number; reason: string } | null = null
  readonly opened: Promise<unknown>
  readonly closed: Promise<{ code: number; reason: string }>

  constructor(url: string, headers: Record<string, string> = {}) {
    this.ws = new WebSocket(url, { headers })
    this.ws.on('error', () => undefined)
    this.ws.on('message', (data, isBinary) => {
      if (!isBinary) this.frames.push(String(data))
    })
    this.opened = once(this.ws, 'open')
    this.closed = once(this.ws, 'close').then(([code, reason]) => {
      this.close = { code: code as number, reason: String(reason) }
      return this.close
    })
  }

  hello(sid?: string, ack = 0): void {
    this.ws.send(`H${JSON.stringify(sid === undefined ? { v: 1, ack } : { v: 1, sid, ack })}`)
  }

  /** The welcome, parsed (waits for it). */
  async welcome(): Promise<{ sid: string; resumed: boolean; replay?: number; reset?: unknown }> {
    const frame = await until(
      () => this.frames.find((f) => f.startsWith('W')) ?? (this.close ? 'closed' : undefined),
      'a welcome',
    )
    if (frame === 'closed')
      throw new Error(`closed before a welcome: ${JSON.stringify(this.close)}`)
    return JSON.parse(frame.slice(1))
  }

  /** Stops reading from the TCP socket: the server's writes pile up in its buffers. */
  stopReading(): void {
    ;(this.ws as unknown as { _socket: { pause(): void } })._socket.pause()
  }
}

export type StoreCalls = Record<string, number>

/** Wraps `store`, counting each call by method name. */
export function counting(store: SessionStore): { store: SessionStore; calls: StoreCalls } {
  const calls: StoreCalls = {}
  const wrapped = new Proxy(store, {
    get(target, name, receiver) {
      const value = Reflect.get(target, name, receiver)
      if (typeof value !== 'function') return value
      return (...args: unknown[]) => {
        calls[String(name)] = (calls[String(name)] ?? 0) + 1
        return value.apply(target, args)
      }
    },
  })
  return { store: wrapped, calls }
}

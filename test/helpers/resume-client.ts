/**
 * A client for the resume fault matrix: a heartline connection with `resume` on
 * that streams `c1…c<count>` (a batch per turn of the event loop, never one
 * await per message), holds at `hold` until the test injected its fault, and
 * records every server message it receives, per session (a `reset` starts a
 * new one), with every `resumed`, `reset` and `drop` event.
 */
import WebSocket from 'ws'
import {
  type Connection,
  type ConnectionOptions,
  createConnection,
  type DropEvent,
  type ResetEvent,
  type ResumedEvent,
} from '../../src/index.js'
import { type ResumeOptions, resume, sessionOf } from '../../src/resume/index.js'

export { sessionOf }

import { CountingClock } from '../harness/recorder.js'
import { waitFor } from '../harness/wait.js'

export interface StreamClientOptions {
  count: number
  /**
   * Right after writing message `hold` (in the same turn, so the last batch is
   * still in flight), or when half the server's messages arrived, `fault` is
   * called and the sender waits for `release()`.
   */
  hold: number
  fault: () => unknown
  connection?: ConnectionOptions
  resume?: ResumeOptions
}

export class StreamClient {
  readonly conn: Connection
  readonly clock = new CountingClock()
  /** Server message numbers received, one list per session. */
  readonly sessions: number[][] = [[]]
  readonly resumed: ResumedEvent[] = []
  readonly resets: ResetEvent[] = []
  readonly drops: DropEvent[] = []
  /** Client messages handed to send(). */
  sent = 0
  /** Messages sent and received when the fault was injected. */
  atFault: { sent: number; received: number } | null = null
  #released = false
  #faulted = false
  #faultOnFirst = false
  #started = false
  #waiting: (() => void) | null = null
  #listeners = new Set<() => void>()

  constructor(
    url: string,
    readonly options: StreamClientOptions,
  ) {
    this.conn = createConnection(url, {
      heartbeat: { interval: 100, timeout: 250 },
      reconnect: { initialDelay: 20, maxDelay: 100 },
      connectTimeout: 2000,
      closeTimeout: 150,
      ...options.connection,
      WebSocket: WebSocket as never,
      clock: this.clock,
      resume: resume({
        ...options.resume,
        trace: (record) => {
          // The stream starts once the first session is up, so the fault meets a live socket.
          if (record.type === 'welcome' && !this.#started) {
            this.#started = true
            setImmediate(this.#pump)
          }
          options.resume?.trace?.(record)
        },
      }),
    })
    this.conn.addEventListener('message', (event) => {
      const list = this.sessions.at(-1) as number[]
      list.push(Number(String(event.data).slice(1)))
      if (this.received === options.count / 2 || this.#faultOnFirst) this.#fault()
      this.#changed()
    })
    this.conn.addEventListener('resumed', (event) => {
      this.resumed.push(event)
      this.#changed()
    })
    this.conn.addEventListener('reset', (event) => {
      this.resets.push(event)
      this.sessions.push([])
      this.#changed()
    })
    this.conn.addEventListener('drop', (event) => {
      this.drops.push(event)
      this.#changed()
    })
    this.conn.addEventListener('statechange', () => this.#changed())
  }

  get received(): number {
    return this.sessions.reduce((n, s) => n + s.length, 0)
  }

  /**
   * The fault goes in when the sender wrote message `hold` or half the server's
   * messages arrived, whichever comes first: both streams are then mid-way.
   */
  #fault(): void {
    if (this.#faulted) return
    this.#faulted = true
    this.atFault = { sent: this.sent, received: this.received }
    this.options.fault()
    this.#changed()
  }

  /** Lets the sender go on after the fault. */
  release(): void {
    this.#released = true
    const waiting = this.#waiting
    this.#waiting = null
    waiting?.()
  }

  #pump = (): void => {
    const { count, hold } = this.options
    for (let i = 0; i < 100 && this.sent < count; i++) {
      if (this.#faulted && !this.#released) {
        this.#waiting = this.#pump
        return
      }
      this.conn.send(`c${++this.sent}`)
      if (this.sent === hold && !this.#faulted) {
        // Both streams must be under way: wait for the server's first message if none came yet.
        if (this.received > 0) this.#fault()
        else this.#faultOnFirst = true
        this.#waiting = this.#pump
        return
      }
    }
    this.#changed()
    if (this.sent < count) setImmediate(this.#pump)
  }

  waitFor<T>(
    check: () => T | undefined | false,
    what: string | (() => string),
    timeout = 30_000,
  ): Promise<T> {
    return waitFor(check, what, timeout, (wake) => {
      this.#listeners.add(wake)
      return () => this.#listeners.delete(wake)
    })
  }

  #changed(): void {
    for (const listener of this.#listeners) listener()
  }
}

/** 1…n */
export const range = (from: number, to: number): number[] =>
  Array.from({ length: Math.max(0, to - from + 1) }, (_, i) => from + i)

/** Numbers that appear more than once. */
export function duplicates(list: number[]): number {
  return list.length - new Set(list).size
}

/** True when the list is strictly increasing by one from `from`. */
export function isRun(list: number[], from: number): boolean {
  for (let i = 0; i < list.length; i++) if (list[i] !== from + i) return false
  return true
}

/**
 * Drives `session-server.ts` in a child process: start it (again on the same
 * port after a kill), SIGKILL it, and read what its application reported. Every
 * record is kept across runs, tagged with the run that sent it.
 */
import { type ChildProcess, spawn } from 'node:child_process'
import { once } from 'node:events'
import { fileURLToPath } from 'node:url'
import { waitFor } from './wait.js'

const SCRIPT = fileURLToPath(new URL('./session-server.ts', import.meta.url))

export interface SessionRecord {
  type: 'listening' | 'listen-failed' | 'session' | 'got' | 'close' | 'drop' | 'error'
  run: number
  port?: number
  id?: string
  sent?: number
  runs?: Array<[number, number]>
  redelivered?: number
  reason?: string
  unacknowledged?: number
  message?: string
  /** For `listen-failed`: the error code (`EADDRINUSE` for a port taken meanwhile). */
  code?: string
}

/** Processes started in turn while the wanted port is taken, before giving up. */
const PORT_ATTEMPTS = 10

export interface SessionServerConfig {
  store: 'memory' | 'redis'
  redisPort?: number
  prefix?: string
  ttl: number
  count: number
  chunk?: number
}

export class SessionProcess {
  port = 0
  readonly records: SessionRecord[] = []
  #child: ChildProcess | null = null
  #run = 0
  #listeners = new Set<() => void>()

  constructor(readonly config: SessionServerConfig) {}

  /**
   * Starts the server (on `port`, or on the port of the previous run); a port
   * another process took meanwhile is reported at once (EADDRINUSE) and tried
   * again a few times, each a fresh process.
   */
  async start(port = this.port): Promise<this> {
    for (let attempt = 1; ; attempt++) {
      const failed = await this.#startOnce(port)
      if (failed === undefined) return this
      if (failed.code !== 'EADDRINUSE' || port === 0 || attempt >= PORT_ATTEMPTS)
        throw new Error(
          `session server could not listen on port ${port}: ${failed.code} ${failed.reason}`,
        )
    }
  }

  async #startOnce(port: number): Promise<SessionRecord | undefined> {
    if (this.#child) throw new Error('session server already running')
    const run = ++this.#run
    const child = spawn(
      process.execPath,
      ['--import', 'tsx', SCRIPT, JSON.stringify({ ...this.config, port })],
      { stdio: ['pipe', 'pipe', 'inherit'] },
    )
    this.#child = child
    let buffer = ''
    child.stdout?.setEncoding('utf8')
    child.stdout?.on('data', (chunk: string) => {
      buffer += chunk
      let newline = buffer.indexOf('\n')
      while (newline >= 0) {
        const line = buffer.slice(0, newline)
        buffer = buffer.slice(newline + 1)
        newline = buffer.indexOf('\n')
        if (line.length > 0)
          this.records.push({ ...(JSON.parse(line) as object), run } as SessionRecord)
      }
      this.#changed()
    })
    child.on('exit', () => {
      if (this.#child === child) this.#child = null
      this.#changed()
    })
    const outcome = await this.waitFor(
      () =>
        this.records.find(
          (r) => r.run === run && (r.type === 'listening' || r.type === 'listen-failed'),
        ),
      `session server run ${run} listening`,
      20_000,
    )
    if (outcome.type === 'listen-failed') {
      await this.kill()
      return outcome
    }
    this.port = outcome.port as number
    return undefined
  }

  get url(): string {
    return `ws://127.0.0.1:${this.port}`
  }

  /** Client message numbers the application received, in order, per run. */
  received(run?: number): number[] {
    const out: number[] = []
    for (const r of this.records) {
      if (r.type !== 'got' || (run !== undefined && r.run !== run)) continue
      for (const [from, to] of r.runs ?? []) for (let n = from; n <= to; n++) out.push(n)
    }
    return out
  }

  get redelivered(): number {
    return this.records.reduce((n, r) => n + (r.type === 'got' ? (r.redelivered ?? 0) : 0), 0)
  }

  /** SIGKILL: the kernel resets its connections; resolves once the process is gone. */
  async kill(): Promise<void> {
    const child = this.#child
    if (!child) return
    if (child.exitCode === null && child.signalCode === null) {
      const gone = once(child, 'exit')
      child.kill('SIGKILL')
      await gone
    }
    this.#child = null
  }

  waitFor<T>(check: () => T | undefined | false, what: string, timeout = 20_000): Promise<T> {
    return waitFor(check, what, timeout, (wake) => {
      this.#listeners.add(wake)
      return () => this.#listeners.delete(wake)
    })
  }

  #changed(): void {
    for (const listener of this.#listeners) listener()
  }
}

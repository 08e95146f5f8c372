/**
 * The second implementation of the resume protocol's server side
 * (interop/resume_server.py) in a child process, run by Debian's interpreter
 * with Debian's python3-websockets: it prints `{"listening": port}`, then one
 * line per expired session, which `expired(sid)` waits for.
 */
import { type ChildProcess, spawn } from 'node:child_process'
import { fileURLToPath } from 'node:url'
import { waitFor } from '../harness/wait.js'

/** Debian's python3, which has python3-websockets (a `python3` on PATH may not). */
export const PYTHON = '/usr/bin/python3'
const SCRIPT = fileURLToPath(new URL('../../interop/resume_server.py', import.meta.url))

export interface PythonServerOptions {
  ttl: number
  ackDelay?: number
  ackEvery?: number
  ping?: string
  pong?: string
  /** Messages the application sends whenever a socket detaches (kept for the client). */
  away?: number
}

export class PythonServer {
  port = 0
  /** Session ids that expired, with the last seq each had numbered. */
  readonly expiredOut = new Map<string, number>()
  readonly #child: ChildProcess
  readonly #wake = new Set<() => void>()
  #exited: string | null = null

  private constructor(options: PythonServerOptions) {
    const args = [SCRIPT, '--ttl', String(options.ttl)]
    if (options.ackDelay !== undefined) args.push('--ack-delay', String(options.ackDelay))
    if (options.ackEvery !== undefined) args.push('--ack-every', String(options.ackEvery))
    if (options.ping !== undefined) args.push('--ping', options.ping)
    if (options.pong !== undefined) args.push('--pong', options.pong)
    if (options.away !== undefined) args.push('--away', String(options.away))
    this.#child = spawn(PYTHON, args, { stdio: ['ignore', 'pipe', 'inherit'] })
    let buffered = ''
    this.#child.stdout?.on('data', (chunk: Buffer) => {
      buffered += chunk.toString()
      const lines = buffered.split('\n')
      buffered = lines.pop() ?? ''
      for (const line of lines) {
        const event = JSON.parse(line) as { listening?: number; expired?: string; out?: number }
        if (event.listening !== undefined) this.port = event.listening
        if (event.expired !== undefined) this.expiredOut.set(event.expired, event.out ?? -1)
      }
      this.#changed()
    })
    this.#child.once('exit', (code, signal) => {
      this.#exited = `exited (${code ?? signal})`
      this.#changed()
    })
  }

  static async start(options: PythonServerOptions): Promise<PythonServer> {
    const server = new PythonServer(options)
    await server.#until(() => server.port > 0, 'the Python server to listen')
    return server
  }

  get url(): string {
    return `ws://127.0.0.1:${this.port}`
  }

  /** Resolves once the server reported that `sid` expired; with the last seq it had numbered. */
  async expired(sid: string): Promise<number> {
    const seen = await this.#until(
      () => this.expiredOut.has(sid) && { out: this.expiredOut.get(sid) as number },
      `session ${sid} to expire`,
    )
    return seen.out
  }

  /** SIGKILL: a crash, not a shutdown. */
  kill(): Promise<void> {
    return new Promise((resolve) => {
      const child = this.#child
      if (child.exitCode !== null || child.signalCode !== null) return resolve()
      child.once('exit', () => resolve())
      child.kill('SIGKILL')
    })
  }

  #until<T>(check: () => T | undefined | false, what: string): Promise<T> {
    return waitFor(
      () => {
        if (this.#exited !== null) throw new Error(`the Python server ${this.#exited}`)
        return check()
      },
      what,
      15_000,
      (wake) => {
        this.#wake.add(wake)
        return () => this.#wake.delete(wake)
      },
    )
  }

  #changed(): void {
    for (const wake of this.#wake) wake()
  }
}

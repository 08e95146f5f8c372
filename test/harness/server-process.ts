/**
 * Drives `ws-server.mjs` in a child process: start it, freeze it (SIGSTOP), thaw
 * it (SIGCONT), kill it (SIGKILL) and start it again on the same port. Everything
 * the server reports is kept across restarts, so a test can ask what it received.
 */
import { type ChildProcess, spawn } from 'node:child_process'
import { once } from 'node:events'
import { fileURLToPath } from 'node:url'
import { waitFor } from './wait.js'

const SCRIPT = fileURLToPath(new URL('./ws-server.mjs', import.meta.url))
/** Processes started in turn while the wanted port is taken, before giving up. */
const PORT_ATTEMPTS = 10

export interface ServerRecord {
  type: 'listening' | 'listen-failed' | 'connection' | 'message' | 'close' | 'done'
  /** Which run of the server (1 for the first start, 2 after the first restart, …). */
  run: number
  id?: number
  data?: string
  /** A close code; for `listen-failed`, the error code (`EADDRINUSE` for a port taken meanwhile). */
  code?: number | string
  reason?: string
  port?: number
  /** For `done`: the command that ran. */
  cmd?: string
}

export class ServerProcess {
  port = 0
  readonly records: ServerRecord[] = []
  #child: ChildProcess | null = null
  #run = 0
  #listeners = new Set<() => void>()

  /**
   * Starts the server (on `port`, or on the port of the previous run). Another
   * process may have taken a freed port meanwhile: the server reports that at
   * once (`listen-failed`, EADDRINUSE) and this tries again a few times, each a
   * fresh process, before failing with the port and the reason.
   */
  async start(port = this.port): Promise<this> {
    for (let attempt = 1; ; attempt++) {
      const failed = await this.#startOnce(port)
      if (failed === undefined) return this
      if (failed.code !== 'EADDRINUSE' || port === 0 || attempt >= PORT_ATTEMPTS)
        throw new Error(`server could not listen on port ${port}: ${failed.code} ${failed.reason}`)
    }
  }

  /** One process: undefined once it listens, or the `listen-failed` record. */
  async #startOnce(port: number): Promise<ServerRecord | undefined> {
    if (this.#child) throw new Error('server process already running')
    const run = ++this.#run
    const child = spawn(process.execPath, [SCRIPT, String(port)], {
      stdio: ['pipe', 'pipe', 'inherit'],
    })
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
        if (line.length === 0) continue
        this.records.push({ ...(JSON.parse(line) as Omit<ServerRecord, 'run'>), run })
        for (const listener of this.#listeners) listener()
      }
    })
    child.on('exit', () => {
      if (this.#child === child) this.#child = null
      for (const listener of this.#listeners) listener()
    })
    const outcome = await this.waitFor(
      () =>
        this.records.find(
          (r) => r.run === run && (r.type === 'listening' || r.type === 'listen-failed'),
        ),
      `server run ${run} listening`,
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

  /** Messages received, in order, across every run. */
  get messages(): string[] {
    return this.records.filter((r) => r.type === 'message').map((r) => r.data as string)
  }

  /** Sends a command to the server and waits until it has run. */
  async command(command: { cmd: string; [key: string]: unknown }): Promise<void> {
    const child = this.#child
    if (!child?.stdin) throw new Error('server process not running')
    const before = this.records.length
    child.stdin.write(`${JSON.stringify(command)}\n`)
    await this.waitFor(
      () => this.records.slice(before).some((r) => r.type === 'done' && r.cmd === command.cmd),
      `server command ${command.cmd}`,
    )
  }

  /** The running child's process id (undefined while none runs). */
  get pid(): number | undefined {
    return this.#child?.pid
  }

  freeze(): void {
    this.#child?.kill('SIGSTOP')
  }

  thaw(): void {
    this.#child?.kill('SIGCONT')
  }

  /** SIGKILL: the kernel resets its connections; resolves once the process is gone. */
  async kill(): Promise<void> {
    const child = this.#child
    if (!child) return
    const exited = child.exitCode !== null || child.signalCode !== null
    if (!exited) {
      const gone = once(child, 'exit')
      child.kill('SIGKILL')
      await gone
    }
    this.#child = null
  }

  /** Resolves with the first truthy value of `check`, re-checked on every record. */
  waitFor<T>(check: () => T | undefined | false, what: string, timeout = 10_000): Promise<T> {
    return waitFor(check, what, timeout, (wake) => {
      this.#listeners.add(wake)
      return () => this.#listeners.delete(wake)
    })
  }
}

/**
 * A private redis-server for a test file: Debian's binary with persistence off
 * (`--save ''`, `--appendonly no`), stopped by `stop()`.
 *
 * Redis cannot bind an ephemeral port itself (`--port 0` turns TCP off), so a
 * port picked beforehand may be taken by someone else before Redis binds it.
 * Two ways round that race:
 * - TCP (the default): a bind conflict is read from redis-server's own output
 *   the moment it is printed, and the start is retried on a fresh port.
 * - `{ socket: true }`: TCP off, a Unix socket in a private temporary folder
 *   that nobody else can take, so `restart()` comes back at the same address
 *   (what a test of a Redis outage needs).
 */
import { type ChildProcess, spawn } from 'node:child_process'
import { once } from 'node:events'
import { mkdtempSync, rmSync } from 'node:fs'
import net from 'node:net'
import { tmpdir } from 'node:os'
import { join } from 'node:path'

export const REDIS_SERVER = '/usr/bin/redis-server'

/** How many fresh ports a TCP start tries before it gives up. */
const BIND_ATTEMPTS = 8
/** A bound on a start, so a redis-server that never gets ready fails the run instead of hanging it. */
const START_TIMEOUT = 15_000

/** A port the kernel had free a moment ago: a hint, which a bind conflict may still refute. */
async function freePort(): Promise<number> {
  const server = net.createServer()
  server.listen(0, '127.0.0.1')
  await once(server, 'listening')
  const { port } = server.address() as net.AddressInfo
  await new Promise((resolve) => server.close(resolve))
  return port
}

export interface RedisServer {
  /** The TCP port; 0 when started on a Unix socket only. */
  port: number
  /** The Unix socket's path when started with `{ socket: true }`. */
  path: string | undefined
  /** What ioredis takes to reach this server (`new Redis({ ...redis.connection })`). */
  connection: { host: string; port: number } | { path: string }
  /** Kills redis-server and waits for its exit; removes the socket's folder. */
  stop(): Promise<void>
  /** Kills redis-server (SIGKILL: an outage, not a shutdown) and waits for its exit. */
  kill(): Promise<void>
  /** Stops redis-server with SIGSTOP: connections stay open, nothing is answered (a hung server). */
  freeze(): void
  /** Starts it again at the same address, empty (Unix socket only: a freed TCP port may be taken). */
  restart(): Promise<void>
}

export interface StartRedisOptions {
  /** Listen on a Unix socket in a private temporary folder instead of TCP. */
  socket?: boolean
  /** Where TCP ports are picked from (default: one the kernel had free a moment ago). */
  pickPort?: () => Promise<number>
}

class BindConflict extends Error {}

/** Spawns redis-server and resolves once it is ready; rejects with BindConflict at the first sign of one. */
function spawnRedis(args: string[]): Promise<ChildProcess> {
  const child = spawn(REDIS_SERVER, [...args, '--save', '', '--appendonly', 'no'], {
    stdio: ['ignore', 'pipe', 'inherit'],
  })
  return new Promise<ChildProcess>((resolve, reject) => {
    let out = ''
    const onData = (chunk: Buffer) => {
      out += chunk.toString()
      // TCP: "Ready to accept connections"; a Unix socket alone: "…ready to accept connections at <path>".
      if (/ready to accept connections/i.test(out)) {
        cleanUp()
        child.stdout?.resume()
        resolve(child)
      } else if (out.includes('Address already in use')) {
        cleanUp()
        child.kill('SIGKILL')
        reject(new BindConflict(out))
      }
    }
    const onExit = (code: number | null) => {
      cleanUp()
      reject(new Error(`redis-server exited early (${code}): ${out}`))
    }
    const timer = setTimeout(() => {
      cleanUp()
      child.kill('SIGKILL')
      reject(new Error(`redis-server not ready after ${START_TIMEOUT} ms: ${out}`))
    }, START_TIMEOUT)
    const cleanUp = () => {
      clearTimeout(timer)
      child.stdout?.off('data', onData)
      child.off('exit', onExit)
      child.off('error', reject)
    }
    child.stdout?.on('data', onData)
    child.once('error', reject)
    child.once('exit', onExit)
  })
}

async function killed(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return
  const gone = once(child, 'exit')
  child.kill('SIGKILL')
  await gone
}

export async function startRedis(options: StartRedisOptions = {}): Promise<RedisServer> {
  if (options.socket) {
    const dir = mkdtempSync(join(tmpdir(), 'heartline-redis-'))
    const path = join(dir, 'redis.sock')
    // redis-server unlinks a stale socket file before it binds, so a restart reuses the path.
    const args = ['--port', '0', '--unixsocket', path, '--unixsocketperm', '700']
    let child = await spawnRedis(args)
    return {
      port: 0,
      path,
      connection: { path },
      async stop() {
        await killed(child)
        rmSync(dir, { recursive: true, force: true })
      },
      kill: () => killed(child),
      freeze: () => child.kill('SIGSTOP'),
      async restart() {
        await killed(child)
        child = await spawnRedis(args)
      },
    }
  }
  const refused: number[] = []
  for (let attempt = 0; attempt < BIND_ATTEMPTS; attempt++) {
    const port = await (options.pickPort ?? freePort)()
    let child: ChildProcess
    try {
      child = await spawnRedis(['--port', String(port), '--bind', '127.0.0.1'])
    } catch (error) {
      if (!(error instanceof BindConflict)) throw error
      refused.push(port)
      continue
    }
    return {
      port,
      path: undefined,
      connection: { host: '127.0.0.1', port },
      stop: () => killed(child),
      kill: () => killed(child),
      freeze: () => child.kill('SIGSTOP'),
      async restart() {
        throw new Error(
          'startRedis: restart() needs `{ socket: true }` (a freed TCP port may be taken)',
        )
      },
    }
  }
  throw new Error(
    `startRedis: every port tried was taken before redis-server could bind it: ${refused.join(', ')}`,
  )
}

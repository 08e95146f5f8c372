/**
 * Node's own WebSocket (undici; a global on Node 22, behind
 * `--experimental-websocket` on Node 20) under heartline, when attempts fail: a
 * refused TCP connection and a server answering the upgrade with 503. Each failed
 * attempt must fire exactly one `error`, and `closing` must end at once (the
 * socket never opened, so there is nothing to wait for), as with `ws`. undici
 * never fires `close` for a connection that failed before opening, and its
 * `close()` on such a socket fires a second `error`.
 *
 * The child runs on a SimulatedClock that only advances by backoff delays: a
 * `closing` that waited for `closeTimeout` would still be there when the process
 * runs out of work, so the state path shows it without measuring time.
 */
import { spawn } from 'node:child_process'
import { createServer, type Server } from 'node:http'
import type { AddressInfo } from 'node:net'
import { fileURLToPath } from 'node:url'
import { afterEach, expect, it } from 'vitest'

let server: Server | undefined
afterEach(async () => {
  await new Promise<void>((resolve) => (server ? server.close(() => resolve()) : resolve()))
  server = undefined
})

async function runChild(url: string): Promise<{ path: string[]; errors: number[]; state: string }> {
  const script = fileURLToPath(new URL('./fixtures/native-refused.ts', import.meta.url))
  const child = spawn(
    process.execPath,
    ['--experimental-websocket', '--no-warnings', '--import', 'tsx', script, url],
    { stdio: ['ignore', 'pipe', 'pipe'] },
  )
  let out = ''
  let err = ''
  child.stdout.on('data', (chunk: Buffer) => {
    out += chunk.toString()
  })
  child.stderr.on('data', (chunk: Buffer) => {
    err += chunk.toString()
  })
  const code = await new Promise<number | null>((resolve) => child.once('exit', resolve))
  expect(err).toBe('')
  expect(code).toBe(0)
  return JSON.parse(out.trim())
}

const EXPECTED_PATH = [
  'connecting',
  'closing',
  'waitingToReconnect',
  'connecting',
  'closing',
  'waitingToReconnect',
  'connecting',
  'closing',
  'closed',
]

async function refusedPort(): Promise<string> {
  // A port that was just free: listen, note it, close.
  const probe = createServer()
  await new Promise<void>((resolve) => probe.listen(0, '127.0.0.1', resolve))
  const { port } = probe.address() as AddressInfo
  await new Promise<void>((resolve) => probe.close(() => resolve()))
  return `ws://127.0.0.1:${port}/`
}

it('a refused port: one error per attempt, closing ends at once, then gives up', async () => {
  const result = await runChild(await refusedPort())
  expect(result.path).toEqual(EXPECTED_PATH)
  expect(result.errors).toEqual([1, 1, 1])
  expect(result.state).toBe('closed')
})

it('an upgrade answered with 503: the same', async () => {
  server = createServer((_req, res) => {
    res.writeHead(404).end()
  })
  server.on('upgrade', (_req, socket) => {
    socket.end('HTTP/1.1 503 Service Unavailable\r\nContent-Length: 0\r\nConnection: close\r\n\r\n')
  })
  await new Promise<void>((resolve) => server?.listen(0, '127.0.0.1', resolve))
  const { port } = server.address() as AddressInfo
  const result = await runChild(`ws://127.0.0.1:${port}/`)
  expect(result.path).toEqual(EXPECTED_PATH)
  expect(result.errors).toEqual([1, 1, 1])
})

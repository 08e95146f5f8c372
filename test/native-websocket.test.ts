/**
 * The same open / echo / close path through Node's own WebSocket (undici, behind
 * `--experimental-websocket` on Node 20), so the standard interface is exercised
 * and not only `ws`'s.
 */
import { spawn } from 'node:child_process'
import { fileURLToPath } from 'node:url'
import { afterEach, expect, it } from 'vitest'
import { startServer, type TestServer } from './helpers/server.js'

let server: TestServer | undefined
afterEach(async () => server?.close())

it('opens, echoes, heartbeats and closes with the standard WebSocket', async () => {
  server = await startServer()
  const script = fileURLToPath(new URL('./fixtures/native-client.ts', import.meta.url))
  const child = spawn(
    process.execPath,
    ['--experimental-websocket', '--no-warnings', '--import', 'tsx', script, server.url],
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
  const lines = out
    .trim()
    .split('\n')
    .map((line) => JSON.parse(line))
  expect(lines[0]).toEqual({ globalWebSocket: 'function' })
  const states = lines.filter((l) => 'state' in l).map((l) => l.state)
  expect(states[0]).toBe('open')
  expect(states).toContain('awaitingPong')
  expect(states.slice(-2)).toEqual(['closing', 'closed'])
  expect(lines.filter((l) => 'message' in l).map((l) => l.message)).toEqual(['echo:native'])
  expect(lines.at(-1)).toEqual({
    close: { code: 4321, reason: 'native done', wasClean: true, willReconnect: false },
  })
  expect(server.received).toEqual(['native'])
})

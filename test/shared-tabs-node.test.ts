/**
 * Two shared connections in one Node process, each with its own client of an
 * in-memory Web Locks hub and Node's BroadcastChannel, the leader's socket
 * scripted: the role chart drives election, following and the hand-off
 * without resume (the follower's unconfirmed message is dropped as `handoff`,
 * the view's statechange causes are the chart's events). Real Chromium covers
 * the same in test/browser-shared*.test.ts; this one runs the layer's own code
 * where coverage is counted.
 */
import { afterEach, expect, it } from 'vitest'
import { createSharedConnection, type SharedConnection } from '../src/shared/index.js'
import { SocketRegistry } from './helpers/scripted-socket.js'
import { LockHub } from './helpers/web-locks.js'

const g = globalThis as { navigator?: unknown }
const hadNavigator = Object.getOwnPropertyDescriptor(globalThis, 'navigator')
const views: SharedConnection[] = []

afterEach(() => {
  for (const view of views.splice(0)) view.close()
  if (hadNavigator) Object.defineProperty(globalThis, 'navigator', hadNavigator)
  else delete g.navigator
})

function tab(hub: LockHub, client: string, registry: SocketRegistry, name: string) {
  Object.defineProperty(globalThis, 'navigator', {
    value: { locks: hub.manager(client) },
    configurable: true,
  })
  const view = createSharedConnection('ws://tabs.invalid/', {
    name,
    WebSocket: registry.WebSocket,
    heartbeat: false,
    lifecycle: false,
  })
  views.push(view)
  const seen = { states: [] as string[], drops: [] as string[], leader: [] as boolean[] }
  view.addEventListener('statechange', (e) => seen.states.push(`${e.from}>${e.to} ${e.event}`))
  view.addEventListener('drop', (e) => seen.drops.push(`${String(e.data)}:${e.reason}`))
  view.addEventListener('leaderchange', (e) => seen.leader.push(e.leader))
  return { view, seen }
}

const until = async (condition: () => boolean) => {
  for (let i = 0; i < 400 && !condition(); i++) await new Promise((r) => setTimeout(r, 5))
  expect(condition()).toBe(true)
}

it('elects, follows, relays, and hands off without resume (handoff drop)', async () => {
  const hub = new LockHub()
  const registry = new SocketRegistry()
  const name = `node-${Math.random()}`
  const a = tab(hub, 'A', registry, name)
  await until(() => a.view.leader)
  expect(a.view.shared).toBe(true)
  registry.sockets.at(-1)?.fireOpen()
  expect(a.view.state).toBe('open')
  const b = tab(hub, 'B', registry, name)
  await until(() => b.view.state === 'open')
  expect(b.view.leader).toBe(false)
  expect(b.seen.states).toEqual(['connecting>open leader.elected'])
  expect(b.seen.leader).toEqual([false])

  // B's message goes through A's socket.
  expect(b.view.send('from-b')).toBe(true)
  await until(() => registry.sockets[0]?.sent.some((s) => s.data === 'from-b') === true)
  // Handed over once the server shows it reads that socket (docs/reliability.md).
  registry.sockets[0]?.fireMessage('hello')
  await until(() => b.view.queued === 0)

  // A's tab goes (its locks released by the browser); its socket with it.
  b.view.send('in-flight')
  hub.gone('A')
  await until(() => b.view.leader)
  registry.sockets[1]?.fireOpen()
  expect(b.seen.states).toEqual([
    'connecting>open leader.elected',
    'open>connecting leader.gone',
    'connecting>open socket.open',
  ])
  expect(b.seen.drops).toEqual(['in-flight:handoff'])
  expect(b.seen.leader).toEqual([false, true])
  expect(registry.sockets).toHaveLength(2)

  b.view.close()
  expect(b.view.state).toBe('closed')
  expect(b.seen.states.at(-1)).toBe('open>closed app.close')
  expect(b.view.send('late')).toBe(false)
  expect(b.seen.drops.at(-1)).toBe('late:closed')
})

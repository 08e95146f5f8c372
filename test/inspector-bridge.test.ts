/**
 * Attach mode's library half: inspection records and inspectorBridge, against a
 * real `ws` server on port 0 standing in for the inspector.
 */
import { once } from 'node:events'
import { afterEach, describe, expect, it } from 'vitest'
import WebSocket, { WebSocketServer } from 'ws'
import { createActor } from 'xstate'
import { toDirectedGraph } from 'xstate/graph'
import { connectionMachine } from '../machines/connection.js'
import { createConnection } from '../src/index.js'
import {
  type BridgeMessage,
  type InspectionRecord,
  inspectorBridge,
  redactUrl,
  redactUrls,
  toRecord,
} from '../src/inspector/index.js'

const cleanup: Array<() => unknown> = []
afterEach(async () => {
  for (const fn of cleanup.splice(0).reverse()) await fn()
})

async function server(): Promise<{ wss: WebSocketServer; url: string }> {
  const wss = new WebSocketServer({ host: '127.0.0.1', port: 0 })
  await once(wss, 'listening')
  cleanup.push(() => new Promise((done) => wss.close(done)))
  cleanup.push(() => {
    for (const c of wss.clients) c.terminate()
  })
  return { wss, url: `ws://127.0.0.1:${(wss.address() as { port: number }).port}` }
}

describe('redactUrl', () => {
  it('hides credentials and query values, keeps the rest', () => {
    expect(redactUrl('wss://ann:pw@example.test:8443/feed?token=abc&room=7#x')).toBe(
      'wss://***:***@example.test:8443/feed?token=***&room=***#x',
    )
    expect(redactUrl('ws://127.0.0.1:80/plain')).toBe('ws://127.0.0.1/plain')
    expect(redactUrl('not a url')).toBe('not a url')
  })

  it('finds URLs inside text', () => {
    expect(redactUrls('connect to ws://h/p?key=v failed')).toBe(
      'connect to ws://h/p?key=*** failed',
    )
  })
})

describe('toRecord', () => {
  it('turns microsteps into edges that exist in toDirectedGraph', () => {
    const edgeIds = new Set<string>()
    const walk = (node: ReturnType<typeof toDirectedGraph>) => {
      for (const e of node.edges) edgeIds.add(e.id)
      node.children.forEach(walk)
    }
    walk(toDirectedGraph(connectionMachine))

    const records: InspectionRecord[] = []
    const actor = createActor(connectionMachine, {
      input: {
        heartbeat: { interval: 10, timeout: 10 },
        reconnect: false,
        connectTimeout: 50,
        closeTimeout: 10,
      },
      inspect: (event) => {
        const record = toRecord(event)
        if (record) records.push(JSON.parse(JSON.stringify(record)))
      },
    })
    actor.start()
    actor.send({ type: 'socket.open', protocol: '' })
    actor.send({ type: 'app.close', code: 1000, reason: 'bye' })
    actor.send({ type: 'socket.close', code: 1000, reason: 'bye', wasClean: true })
    actor.stop()

    const micro = records.filter(
      (r): r is Extract<InspectionRecord, { kind: 'microstep' }> =>
        r.kind === 'microstep' && r.root && r.event !== 'xstate.stop',
    )
    // The socket end is decided on its own event, in one microstep: the close
    // policy's answer rides on `socket.close` (no raised decision steps).
    expect(micro.map((r) => r.event)).toEqual(['socket.open', 'app.close', 'socket.close'])
    for (const r of micro) {
      if (r.kind !== 'microstep') continue
      for (const t of r.transitions) {
        t.targets.forEach((_, i) => {
          expect(edgeIds.has(`${t.source}:${t.index}:${i}`)).toBe(true)
        })
      }
    }
    const last = records.filter((r) => r.kind === 'snapshot').at(-1)
    expect(last?.kind === 'snapshot' && last.value).toBe('closed')
  })
})

describe('inspectorBridge', () => {
  it('streams a hello and serialisable records of a real connection, URLs redacted', async () => {
    const inspector = await server()
    const app = await server()
    app.wss.on('connection', (s) =>
      s.on('message', (d) => d.toString() === 'ping' && s.send('pong')),
    )

    const received: Array<BridgeMessage | { kind: 'hello'; target: string; name: string }> = []
    const sawOpen = new Promise<void>((resolve) => {
      inspector.wss.on('connection', (socket) => {
        socket.on('message', (data) => {
          const message = JSON.parse(data.toString())
          received.push(message)
          if (
            message.kind === 'record' &&
            message.record.kind === 'snapshot' &&
            message.record.value?.live?.connected !== undefined
          ) {
            resolve()
          }
        })
      })
    })

    const bridge = inspectorBridge(inspector.url, {
      WebSocket,
      name: 'unit',
      target: `${app.url}/x?token=secret`,
    })
    cleanup.push(() => bridge.close())
    const conn = createConnection(
      `ws://user:pass@127.0.0.1:${new URL(app.url).port}/x?token=secret`,
      {
        WebSocket,
        inspect: bridge,
      },
    )
    cleanup.push(() => conn.close())
    await sawOpen

    const [hello] = received
    expect(hello).toMatchObject({ kind: 'hello', name: 'unit' })
    expect((hello as { target: string }).target).toBe(`${app.url}/x?token=***`)
    expect(JSON.stringify(received)).not.toContain('secret')
    expect(JSON.stringify(received)).not.toContain('pass')
    const kinds = new Set(
      received.filter((m): m is BridgeMessage => m.kind === 'record').map((m) => m.record.kind),
    )
    expect(kinds).toContain('snapshot')
    expect(kinds).toContain('microstep')
    expect(kinds).toContain('event')
  })

  it('keeps URLs when the app opts in', async () => {
    const inspector = await server()
    const first = new Promise<{ target: string }>((resolve) => {
      inspector.wss.on('connection', (s) =>
        s.once('message', (d) => resolve(JSON.parse(d.toString()))),
      )
    })
    const bridge = inspectorBridge(inspector.url, {
      WebSocket,
      target: 'ws://h/p?token=visible',
      revealUrls: true,
    })
    cleanup.push(() => bridge.close())
    expect((await first).target).toBe('ws://h/p?token=visible')
  })

  it('rejects bad options with a clear message', () => {
    expect(() => inspectorBridge('ws://127.0.0.1:1', { WebSocket, buffer: 0 })).toThrow(
      /inspectorBridge `buffer` must be a whole number ≥ 1; got number 0/,
    )
    expect(() => inspectorBridge('ftp://x', { WebSocket })).toThrow(/url/)
  })
})

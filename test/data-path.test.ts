/**
 * Inbound data bypasses the chart (docs/design.md): inbound data must not pass through the interpreter one message at
 * a time. Counts the events the chart processes while 10 000 messages arrive.
 */
import type { AddressInfo } from 'node:net'
import { afterEach, expect, it } from 'vitest'
import WebSocket, { WebSocketServer } from 'ws'
import type { InspectionEvent } from 'xstate'
import { createConnection } from '../src/index.js'
import { next } from './helpers/server.js'

const MESSAGES = 10_000
let dispose: (() => Promise<void>) | undefined
afterEach(async () => {
  await dispose?.()
  dispose = undefined
})

it.each([15_000, 20])(
  `the chart sees a handful of events, not one per message, across ${MESSAGES} inbound messages (heartbeat interval %i ms)`,
  async (interval) => {
    const wss = new WebSocketServer({ host: '127.0.0.1', port: 0 })
    await new Promise<void>((resolve) => wss.once('listening', resolve))
    dispose = () => new Promise<void>((resolve) => wss.close(() => resolve()))
    wss.on('connection', (socket) => {
      socket.on('message', (data) => {
        if (data.toString() !== 'go') return
        // Spread over several heartbeat intervals, so checks happen mid-stream.
        let sent = 0
        const burst = () => {
          for (let i = 0; i < 500 && sent < MESSAGES; i++) socket.send(`m${sent++}`)
          if (sent < MESSAGES) setTimeout(burst, 5)
        }
        burst()
      })
    })
    const { port } = wss.address() as AddressInfo

    let counting = false
    const chartEvents: string[] = []
    const conn = createConnection(`ws://127.0.0.1:${port}`, {
      WebSocket,
      heartbeat: { interval, timeout: 1000 },
      inspect: (event: InspectionEvent) => {
        if (counting && event.type === '@xstate.event' && event.actorRef === conn.actor) {
          chartEvents.push(event.event.type)
        }
      },
    })
    let received = 0
    conn.onmessage = () => {
      received++
    }
    await next(conn, 'open')
    counting = true
    const startedAt = performance.now()
    conn.send('go')
    await next<MessageEvent>(conn, 'message', (e) => e.data === `m${MESSAGES - 1}`, 20_000)
    const elapsed = performance.now() - startedAt
    counting = false
    conn.close()
    expect(received).toBe(MESSAGES)
    // Per heartbeat interval at most: one timer event and one silence report (plus
    // a ping round trip when the stream pauses for a whole interval).
    const intervals = Math.ceil(elapsed / interval) + 1
    console.info(
      `chart events during ${MESSAGES} inbound messages: ${chartEvents.length} over ${elapsed.toFixed(0)} ms (${intervals} heartbeat intervals)`,
    )
    expect(chartEvents.length).toBeLessThanOrEqual(intervals * 4)
    expect(chartEvents.length).toBeLessThan(MESSAGES / 20)
    expect(chartEvents.every((type) => !type.startsWith('socket.message'))).toBe(true)
  },
)

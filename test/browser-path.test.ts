/**
 * The message path a browser bundle takes (`#dev`'s browser condition,
 * src/dev.browser.ts), run here on Node's own EventTarget and MessageEvent: no
 * event is built before anything listens, then every message is the platform's
 * MessageEvent. Also the phase constants of heartline's own event class (the Node
 * path), as the DOM Standard defines them.
 */
import { describe, expect, it } from 'vitest'
import { MessageListeners, StandardEventTarget } from '../src/dev.browser.js'
import { HeartlineMessageEvent } from '../src/inbound.js'

describe("the browser build's message path", () => {
  it('builds no event until something listens, then dispatches the platform MessageEvent', () => {
    const target = new StandardEventTarget()
    const listeners = new MessageListeners()
    const seen: MessageEvent[] = []
    target.addEventListener('message', (e) => seen.push(e as MessageEvent))
    listeners.add(null, undefined)
    listeners.deliver(target, 'unheard', 'ws://a')
    expect(seen).toEqual([])
    listeners.heard = true
    listeners.deliver(target, 'one', 'ws://a')
    listeners.remove(null, undefined)
    expect(seen).toHaveLength(1)
    expect(seen[0]).toBeInstanceOf(MessageEvent)
    expect(seen[0]?.data).toBe('one')
    expect(seen[0]?.origin).toBe('ws://a')
    expect(StandardEventTarget).toBe(EventTarget)
  })
})

describe("heartline's own message event (Node)", () => {
  it('has the DOM Standard phase constants, on the class and on an instance', () => {
    // DOM Standard, interface Event (Node 20's own Event does not define them).
    const phases = { NONE: 0, CAPTURING_PHASE: 1, AT_TARGET: 2, BUBBLING_PHASE: 3 } as const
    const ours = Object.create(HeartlineMessageEvent.prototype) as HeartlineMessageEvent
    for (const [name, value] of Object.entries(phases) as Array<[keyof typeof phases, number]>) {
      expect(HeartlineMessageEvent[name]).toBe(value)
      expect(ours[name]).toBe(value)
    }
  })
})

/**
 * src/inbound.ts as a bundle built for the browser takes it (package.json
 * `browser` field). A browser's WebSocket delivers its own native
 * `MessageEvent`s, and there the full module already leaves every message to
 * the platform's dispatch (heartline's own event class is used only over `ws`
 * in Node), so this one holds only that path and the bundle leaves the event
 * class out.
 */
import type { MessageListeners as Full } from './inbound.js'

export type { HeartlineMessageEvent } from './inbound.js'

export class MessageListeners implements Pick<Full, 'heard' | 'add' | 'remove' | 'deliver'> {
  /** Whether anything ever listened for messages: until then a message builds no event. */
  heard = false
  add(_listener: unknown, _options: unknown): void {}
  remove(_listener: unknown, _options: unknown): void {}
  deliver(target: EventTarget, data: unknown, origin: string): void {
    if (this.heard) target.dispatchEvent(new MessageEvent('message', { data, origin }))
  }
}

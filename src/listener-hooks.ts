/**
 * What a connection does when the application adds or removes a listener: the
 * message listeners keep their own list (heartline dispatches messages itself
 * where it can), a `statechange` listener asks the chart for causes, and a
 * `bufferedamountlow` listener arms the low-water watch.
 */
import type { AnyListener, ListenerOptions, RemoveListenerOptions } from './event-target.js'
import type { MessageListeners } from './inbound.js'
import type { ChartPorts } from './ports.js'

export function listenerAdded(
  ports: ChartPorts,
  needCauses: () => void,
  type: string,
  listener: AnyListener | null,
  options?: ListenerOptions,
): void {
  const messages = ports.messages
  if (typeof type !== 'string') {
    // The platform converts the type (it may read 'message' or 'statechange'):
    // the message mirror stands down, messages are dispatched and causes read.
    messages.add(null, options)
    if (listener === null) return
    messages.heard = true
    needCauses()
    return
  }
  if (listener === null) return
  if (type === 'message') {
    messages.heard = true
    messages.add(listener, options)
  } else if (type === 'statechange') {
    needCauses()
  } else if (type === 'bufferedamountlow') {
    ports.low.hear()
  }
}

export function listenerRemoved(
  messages: MessageListeners,
  type: string,
  listener: AnyListener | null,
  options?: boolean | RemoveListenerOptions,
): void {
  if (typeof type !== 'string') messages.add(null, options)
  else if (type === 'message') messages.remove(listener, options)
}

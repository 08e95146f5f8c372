/**
 * The socket actor: the only place a WebSocket is created, listened to and torn
 * down. One actor owns one socket for one attempt; the chart invokes it in `live`
 * and stopping it removes every listener, so an abandoned socket's late events
 * (ws #1142: a 1006 arriving 30 s later) cannot reach the chart.
 *
 * Inbound messages go straight to the application, never through the chart (an
 * XState event costs more than receiving a small message; see docs/design.md): the
 * chart sees one `heartbeat.alive` per ping and one `heartbeat.silence` per check,
 * whatever the message rate. It is also the chart's clock: it answers
 * `heartbeat.check` and `heartbeat.deadline` with what it measured, and the
 * chart decides. And it reports each end once, with the close policy's answer
 * and the retry's draw on it (`host.judge`), so one edge of the chart decides.
 * What it needs from the connection that owns it is `SocketHost` (socket-host.ts).
 */
import { fromCallback } from 'xstate'
import type {
  CloseCause,
  SocketActorInput,
  SocketCommand,
  SocketEvent,
} from '../machines/connection.js'
import { ABNORMAL_CLOSURE } from '../machines/connection.js'
import { NO_STATUS } from './close.js'
import type { SendData, WebSocketLike } from './options.js'
import type { SocketHost } from './socket-host.js'
import type { Pausable } from './socket-types.js'
import { checkUrl } from './url.js'

function isThenable(value: unknown): value is PromiseLike<unknown> {
  return (
    typeof value === 'object' &&
    value !== null &&
    typeof (value as { then?: unknown }).then === 'function'
  )
}

const noop = () => undefined

/**
 * The socket actor, shared by every connection: `hostOf(system)` finds the
 * connection whose actor system invoked it, so one provided machine serves them
 * all (a `machine.provide()` per connection costs ~27 KB of heap and most of the
 * construction time).
 */
// biome-ignore lint/suspicious/noExplicitAny: any actor system, as XState types it
export function createSocketActor(hostOf: (system: any) => SocketHost | undefined) {
  return fromCallback<SocketCommand, SocketActorInput>(({ sendBack, receive, input, system }) => {
    const host = hostOf(system)
    if (host === undefined) return undefined
    const { options } = host
    const now = options.now
    const heartbeat = options.heartbeat
    const hidePongs = heartbeat !== false && !heartbeat.deliverPongs
    const isPong = heartbeat === false ? () => false : heartbeat.isPong
    const send = sendBack as (event: SocketEvent) => void
    let ws: WebSocketLike | undefined
    let stopped = false
    /** The attempt failed before the socket opened: nothing is left to close. */
    let failed = false
    let opened = false
    let unheard = true // no frame yet (SocketHost.heard)
    /** Why this socket ends, as the chart said when it asked for the close (else the server's doing). */
    let cause: CloseCause = 'server-close'
    const ended = (code: number, reason: string, wasClean: boolean) =>
      host.judge({ code, reason, wasClean, cause }, (verdict) =>
        send({ type: 'socket.close', code, reason, wasClean, ...verdict }),
      )
    let lastInboundAt = now()
    /**
     * Messages arrived in this turn of the event loop and `lastInboundAt` has not
     * caught up yet. The clock is read once per turn, not once per message (a
     * clock read costs about as much as the rest of heartline's work per message,
     * bench B1): a read of the socket delivers its messages in one synchronous
     * run, so the stamp taken at its end, or by a heartbeat check before that, is
     * the time of the last of them to within that run.
     */
    let unstamped = false
    const stamp = () => {
      if (!unstamped) return
      unstamped = false
      lastInboundAt = now()
    }
    /** Time the pending ping was sent, or -1 when none is pending. */
    let pingAt = -1
    /** A paused socket reads for a ping until the next message (the pong waits behind unread data; no RTT sample). */
    let readForPing = false
    host.started?.(input, {
      pongOverdue: () => pingAt >= 0 && heartbeat !== false && now() - pingAt >= heartbeat.timeout,
    })

    const onOpen = () => {
      if (ws === undefined) return
      opened = true
      lastInboundAt = now()
      host.opened(ws, currentUrl)
      send({ type: 'socket.open', protocol: ws.protocol })
    }
    const onData = (data: unknown) => {
      if (unheard) {
        unheard = false
        host.heard()
      }
      if (!unstamped) {
        unstamped = true
        queueMicrotask(stamp)
      }
      if (pingAt >= 0) {
        // The first message after a ping: its time is the round trip's end.
        lastInboundAt = now()
        const rtt = lastInboundAt - pingAt
        pingAt = -1
        if (readForPing) {
          readForPing = false
          if (host.readPaused?.()) (ws as Pausable | undefined)?.pause?.()
        } else host.rtt(rtt)
        send({ type: 'heartbeat.alive', rtt })
      }
      if (hidePongs && isPong(data)) return
      host.deliver(data)
    }
    const onMessage = (event: MessageEvent) => onData(event.data)
    /**
     * `ws`'s own 'message' emit, `(data, isBinary)`: read directly, so its
     * addEventListener wrapper does not build an event of its own for every
     * message before heartline builds the one the application sees. Text
     * arrives as a Buffer and is decoded as that wrapper would decode it.
     */
    const onWsMessage = (data: { toString(): string }, isBinary: boolean) =>
      onData(isBinary ? data : data.toString())
    const onClose = (event: CloseEvent) => {
      if (ws !== undefined) host.detach(ws, event.code)
      ended(event.code, event.reason, event.wasClean)
    }
    const onError = (event: Event) => {
      if (ws !== undefined) host.detach(ws)
      // An error before open fails the attempt (WHATWG WebSockets: "fail the
      // WebSocket connection"). Node's own WebSocket (undici) then never fires
      // close, and its close() fires a second error: the end is reported here.
      if (!opened) failed = true
      const error = (event as { error?: unknown }).error ?? event
      send({ type: 'socket.error', error })
    }

    let currentUrl = ''
    const fail = (error: unknown) => {
      failed = true
      // Reported on a later microtask, never synchronously: the first attempt runs
      // inside createConnection(), before the application could add listeners
      // (a browser WebSocket, too, reports connection failures asynchronously).
      queueMicrotask(() => {
        if (!stopped) send({ type: 'socket.error', error })
      })
    }
    const open = (urlValue: unknown, protocols: unknown) => {
      if (stopped) return
      try {
        currentUrl = checkUrl(urlValue, 'url')
        const Ctor = options.WebSocket
        ws =
          protocols === undefined
            ? new Ctor(currentUrl)
            : new Ctor(currentUrl, protocols as string | string[])
        ws.addEventListener('open', onOpen)
        if (ws.on) ws.on('message', onWsMessage)
        else ws.addEventListener('message', onMessage as (event: never) => void)
        ws.addEventListener('close', onClose as (event: never) => void)
        ws.addEventListener('error', onError as (event: never) => void)
        host.created(ws, currentUrl)
      } catch (error) {
        ws = undefined
        fail(error)
      }
    }

    // The url and protocols are resolved before every attempt (token refresh);
    // a synchronous pair opens at once so no tick is lost.
    try {
      const info = { attempt: input.attempt, reason: input.reason }
      const urlValue = typeof host.url === 'function' ? host.url(info) : host.url
      const p = options.protocols
      const protocols = typeof p === 'function' ? p(info) : p
      if (isThenable(urlValue) || isThenable(protocols)) {
        Promise.all([urlValue, protocols]).then(([u, pr]) => open(u, pr), fail)
      } else {
        open(urlValue, protocols)
      }
    } catch (error) {
      fail(error)
    }

    receive((command) => {
      switch (command.type) {
        case 'heartbeat.check':
          stamp()
          send({ type: 'heartbeat.silence', silentFor: now() - lastInboundAt })
          return
        case 'heartbeat.deadline':
          stamp()
          send({
            type: 'heartbeat.waited',
            waited: pingAt < 0 ? null : now() - pingAt,
            trafficSincePing: pingAt >= 0 && lastInboundAt > pingAt,
          })
          return
        case 'heartbeat.ping': {
          if (ws === undefined || heartbeat === false) return
          pingAt = now()
          if (host.readPaused?.() && (ws as Pausable).resume !== undefined) {
            // Paused, the answer would stay unread: any message proves the link.
            readForPing = true
            ;(ws as Pausable).resume?.()
          }
          try {
            ws.send(typeof heartbeat.ping === 'function' ? heartbeat.ping() : heartbeat.ping)
          } catch {
            // A socket that cannot take the ping is as dead as one that does not
            // answer it: the pong deadline decides, as for any other silence.
          }
          return
        }
        case 'socket.cause':
          cause = command.cause
          return
        case 'socket.close': {
          cause = command.cause
          if (ws === undefined || ws.readyState === 3 || failed) {
            // Nothing on the wire (the url is still resolving, or it failed):
            // the socket ends now, as asked or as failed.
            stopped = true
            if (failed || ws !== undefined) ended(ABNORMAL_CLOSURE, '', false)
            // No code asked: the close carries no status, which reads as 1005 (RFC 6455 §7.1.5).
            else ended(command.code ?? NO_STATUS, command.reason, true)
            return
          }
          host.detach(ws)
          try {
            if (command.code === undefined) ws.close()
            else ws.close(command.code, command.reason)
          } catch (error) {
            fail(error)
          }
          return
        }
      }
    })

    return () => {
      stopped = true
      if (ws === undefined) return
      const socket = ws
      socket.removeEventListener('open', onOpen)
      if (socket.off) socket.off('message', onWsMessage)
      else socket.removeEventListener('message', onMessage as (event: never) => void)
      socket.removeEventListener('close', onClose as (event: never) => void)
      socket.removeEventListener('error', onError as (event: never) => void)
      // `ws` is an EventEmitter: an 'error' with no listener would crash the
      // process, and terminate() during the handshake emits one.
      socket.addEventListener('error', noop)
      host.detach(socket)
      try {
        const state = socket.readyState
        if (state === 0) {
          if (socket.terminate) socket.terminate()
          else socket.close()
        } else if (state === 1) {
          socket.close(1000, 'reconnect')
        } else if (state === 2) {
          // Abandoned while closing (a dead path): `ws` would hold the TCP socket
          // for its 30 s CLOSE_TIMEOUT; terminate frees it now. Browsers have no
          // equivalent, and their late close event no longer reaches anyone.
          socket.terminate?.()
        }
      } catch {
        // Already gone.
      }
    }
  })
}

export type { SendData }

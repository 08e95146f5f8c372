/**
 * The chart with its I/O implementations, provided once and shared by every
 * connection (a `machine.provide()` per connection rebuilds the whole state-node
 * tree: about 26 KB of heap each).
 *
 * Each implementation finds its connection through the actor system it runs in:
 * XState hands `system` to every action and to every invoked actor, and each
 * connection's actor has its own system. So nothing about the connection lands in
 * the chart's context (no handle, no registry): the map is weak, and a connection
 * the application dropped is collected with its actor.
 */
import { type ActorSystem, type AnyActorRef, raise } from 'xstate'
import {
  abandonedClose,
  type ConnectionContext,
  type ConnectionMachine,
  connectionMachine,
  type EndVerdict,
} from '../machines/connection.js'
import { createPageLifecycle } from './page-lifecycle.js'
import { createSocketActor } from './socket.js'
import type { SocketHost } from './socket-host.js'

/** What the shared implementations need from one connection. */
export interface ConnectionHost extends SocketHost {
  /** Sends the queued messages in order (the chart entered `connected`). */
  flush(): void
  /** Reports every queued message as dropped (the chart entered `closed`). */
  dropAll(): void
}

// biome-ignore lint/suspicious/noExplicitAny: any actor system, as XState types it
type AnySystem = ActorSystem<any>

const hosts = new WeakMap<AnySystem, ConnectionHost>()

/** Binds a connection's actor (before it starts) to the connection that runs it. */
export function bindHost(actor: AnyActorRef, host: ConnectionHost): void {
  hosts.set(actor.system as AnySystem, host)
}

function hostOf(system: AnySystem): ConnectionHost | undefined {
  return hosts.get(system)
}

let shared: ConnectionMachine | undefined

export function sharedMachine(): ConnectionMachine {
  shared ??= connectionMachine.provide({
    actors: {
      socket: createSocketActor(hostOf),
      pageLifecycle: createPageLifecycle((system) => hostOf(system)?.options.lifecycle),
    },
    actions: {
      // A deadline abandons the socket: its end carries the close policy's answer,
      // as the socket actor's report of any other end does.
      abandonSocket: raise(
        ({ context, system }: { context: ConnectionContext; system: AnySystem }) => {
          const close = abandonedClose(context)
          const { code, reason, wasClean } = close
          let verdict: EndVerdict = {}
          hostOf(system)?.judge(close, (judged) => {
            verdict = judged
          })
          return { type: 'socket.close', code, reason, wasClean, ...verdict }
        },
      ),
      flushQueue: ({ system }) => hostOf(system)?.flush(),
      dropQueue: ({ system }) => hostOf(system)?.dropAll(),
    },
  })
  return shared
}

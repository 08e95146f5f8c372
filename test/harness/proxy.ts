/**
 * A TCP proxy (node:net) between a client and a real server, whose behaviour can
 * be switched while connections run:
 * - `pass`: bytes flow both ways;
 * - `black-hole`: both TCP connections stay up, but nothing is forwarded (a dead
 *   route or a stalled middlebox: no data, no FIN, no RST); a connection accepted
 *   in this mode is never connected upstream (TCP up, no HTTP answer);
 * - `reset`: both sides are destroyed with a TCP RST, and new connections too;
 * - `{ delay: ms }`: every chunk is forwarded `ms` later, in order.
 * A mode applies to every connection, or only to those that exist now
 * (`setMode(mode, 'existing')`), or only to later ones (`'new'`).
 */
import { once } from 'node:events'
import net from 'node:net'
import { waitFor } from './wait.js'

export type ProxyMode = 'pass' | 'black-hole' | 'reset' | { delay: number }

export class Link {
  mode: ProxyMode
  readonly client: net.Socket
  upstream: net.Socket | null = null
  closed = false
  /** Bytes forwarded client → server and server → client. */
  up = 0
  down = 0
  /** Bytes the black hole swallowed. */
  swallowed = 0

  constructor(
    client: net.Socket,
    mode: ProxyMode,
    private readonly port: number,
    private readonly changed: () => void,
  ) {
    this.client = client
    this.mode = mode
    client.on('error', () => undefined)
    client.on('data', (chunk) => this.#forward(chunk, 'up'))
    client.on('close', () => this.#sideClosed())
    this.apply(mode)
  }

  apply(mode: ProxyMode): void {
    this.mode = mode
    if (this.closed) return
    if (mode === 'reset') {
      this.destroy(true)
      return
    }
    if (mode !== 'black-hole' && this.upstream === null) this.#connect()
    // A side that went away while the link was black-holed ends the link once it flows again.
    if (mode !== 'black-hole' && (this.client.destroyed || this.upstream?.destroyed)) this.destroy()
  }

  destroy(reset = false): void {
    if (this.closed) return
    this.closed = true
    for (const socket of [this.client, this.upstream]) {
      if (socket === null || socket.destroyed) continue
      if (reset) socket.resetAndDestroy()
      else socket.destroy()
    }
    this.changed()
  }

  #connect(): void {
    const upstream = net.connect({ host: '127.0.0.1', port: this.port })
    this.upstream = upstream
    upstream.on('error', () => undefined)
    upstream.on('data', (chunk) => this.#forward(chunk, 'down'))
    upstream.on('close', () => this.#sideClosed())
  }

  #forward(chunk: Buffer, direction: 'up' | 'down'): void {
    const mode = this.mode
    if (mode === 'black-hole') {
      this.swallowed += chunk.length
      this.changed()
      return
    }
    if (mode === 'reset' || this.closed) return
    const target = direction === 'up' ? this.upstream : this.client
    const write = () => {
      if (this.closed || target === null || target.destroyed) return
      if (direction === 'up') this.up += chunk.length
      else this.down += chunk.length
      target.write(chunk)
    }
    if (typeof mode === 'object') setTimeout(write, mode.delay)
    else write()
  }

  #sideClosed(): void {
    // On a black-holed link the other side must not learn anything.
    if (this.mode === 'black-hole') return
    this.destroy()
  }
}

export class FaultProxy {
  readonly links: Link[] = []
  #server: net.Server
  #mode: ProxyMode = 'pass'
  #listeners = new Set<() => void>()
  port = 0

  private constructor(private targetPort: number) {
    this.#server = net.createServer((client) => {
      const link = new Link(client, this.#mode, this.targetPort, () => this.#changed())
      this.links.push(link)
      this.#changed()
    })
  }

  /** A proxy on 127.0.0.1, port 0, in front of `127.0.0.1:targetPort`. */
  static async start(targetPort: number): Promise<FaultProxy> {
    const proxy = new FaultProxy(targetPort)
    proxy.#server.listen(0, '127.0.0.1')
    await once(proxy.#server, 'listening')
    proxy.port = (proxy.#server.address() as net.AddressInfo).port
    return proxy
  }

  get url(): string {
    return `ws://127.0.0.1:${this.port}`
  }

  get mode(): ProxyMode {
    return this.#mode
  }

  /** Links not yet closed. */
  get open(): Link[] {
    return this.links.filter((l) => !l.closed)
  }

  /** Later connections go to `port` (a client moved to another server behind one address). */
  retarget(port: number): void {
    this.targetPort = port
  }

  setMode(mode: ProxyMode, scope: 'all' | 'existing' | 'new' = 'all'): void {
    if (scope !== 'existing') this.#mode = mode
    if (scope !== 'new') for (const link of this.open) link.apply(mode)
    this.#changed()
  }

  /** Resolves with the first truthy value of `check`, re-checked whenever a link changes. */
  waitFor<T>(check: () => T | undefined | false, what: string, timeout = 10_000): Promise<T> {
    return waitFor(check, what, timeout, (wake) => {
      this.#listeners.add(wake)
      return () => this.#listeners.delete(wake)
    })
  }

  async close(): Promise<void> {
    for (const link of this.open) link.destroy()
    const closed = once(this.#server, 'close')
    this.#server.close()
    await closed
  }

  #changed(): void {
    for (const listener of this.#listeners) listener()
  }
}

/**
 * A TCP proxy (node:net) between clients and a real server, whose behaviour can
 * be switched while connections run. The inspector's demo server puts one in
 * front of its WebSocket server; the fault tests put one in front of theirs.
 *
 * Modes:
 * - `pass`: bytes flow both ways;
 * - `black-hole`: both TCP connections stay up, but nothing is forwarded (a dead
 *   route or a stalled middlebox: no data, no FIN, no RST); a connection accepted
 *   in this mode is not connected upstream until the mode changes (TCP up, no
 *   HTTP answer);
 * - `reset`: both sides are destroyed with a TCP RST, and new connections too;
 * - `{ delay: ms }`: every chunk is forwarded `ms` later, in order.
 * A mode applies to every connection, or only to those that exist now
 * (`setMode(mode, 'existing')`), or only to later ones (`'new'`). `down()` closes
 * the listening port (connections are refused) and `up()` opens it again.
 */
import { once } from 'node:events'
import net from 'node:net'

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

export interface FaultProxyOptions {
  /** Interface to listen on. @default '127.0.0.1' */
  host?: string
  /** Port to listen on; 0 picks a free one. @default 0 */
  port?: number
  /**
   * Keep closed links in `links` (tests read them); a long-running proxy drops
   * them as they close. @default true
   */
  keepClosed?: boolean
}

export class FaultProxy {
  readonly links: Link[] = []
  readonly #server: net.Server
  readonly #keepClosed: boolean
  #mode: ProxyMode = 'pass'
  readonly #listeners = new Set<() => void>()
  #host = '127.0.0.1'
  port = 0

  protected constructor(
    /** Where new links connect (a subclass may move it: later links only). */
    protected targetPort: number,
    keepClosed = true,
  ) {
    this.#keepClosed = keepClosed
    this.#server = net.createServer((client) => {
      const link = new Link(client, this.#mode, this.targetPort, () => this.#changed())
      this.links.push(link)
      this.#changed()
    })
  }

  /** A proxy in front of `127.0.0.1:targetPort`, listening on 127.0.0.1, port 0 unless told otherwise. */
  static async start(targetPort: number, options: FaultProxyOptions = {}): Promise<FaultProxy> {
    const proxy = new FaultProxy(targetPort, options.keepClosed)
    await proxy.listen(options.port ?? 0, options.host ?? '127.0.0.1')
    return proxy
  }

  protected async listen(port: number, host: string): Promise<void> {
    this.#host = host
    await new Promise<void>((resolve, reject) => {
      const onError = (error: Error) => reject(error)
      this.#server.once('error', onError)
      this.#server.listen(port, host, () => {
        this.#server.off('error', onError)
        resolve()
      })
    })
    this.port = (this.#server.address() as net.AddressInfo).port
  }

  get url(): string {
    const host = this.#host.includes(':') ? `[${this.#host}]` : this.#host
    return `ws://${host}:${this.port}`
  }

  get mode(): ProxyMode {
    return this.#mode
  }

  /** True while the port accepts connections. */
  get listening(): boolean {
    return this.#server.listening
  }

  /** Links not yet closed. */
  get open(): Link[] {
    return this.links.filter((l) => !l.closed)
  }

  setMode(mode: ProxyMode, scope: 'all' | 'existing' | 'new' = 'all'): void {
    if (scope !== 'existing') this.#mode = mode
    if (scope !== 'new') for (const link of this.open) link.apply(mode)
    this.#changed()
  }

  /** Closes the port (new connections are refused) and resets every link. */
  down(): void {
    if (this.#server.listening) this.#server.close()
    for (const link of this.open) link.destroy(true)
  }

  /** Opens the port again, on the same port number. */
  async up(): Promise<void> {
    if (!this.#server.listening) await this.listen(this.port, this.#host)
  }

  /** Calls `listener` whenever a link opens, closes, or swallows bytes; returns the unsubscribe. */
  onChange(listener: () => void): () => void {
    this.#listeners.add(listener)
    return () => this.#listeners.delete(listener)
  }

  async close(): Promise<void> {
    for (const link of this.open) link.destroy()
    if (!this.#server.listening) return
    const closed = once(this.#server, 'close')
    this.#server.close()
    await closed
  }

  #changed(): void {
    if (!this.#keepClosed) {
      for (let i = this.links.length - 1; i >= 0; i--) {
        if (this.links[i]?.closed) this.links.splice(i, 1)
      }
    }
    for (const listener of this.#listeners) listener()
  }
}

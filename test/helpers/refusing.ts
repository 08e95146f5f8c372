/**
 * A loopback address that fails every connection attempt: a TCP server that
 * resets each connection as it arrives, before any handshake. The port stays
 * held for as long as the test needs it, so no other process can start
 * listening there (a port that was merely closed could be taken meanwhile, and
 * a fixed low port such as 1 may be open on some machine).
 */
import { createServer } from 'node:net'

export interface Refusing {
  /** `ws://127.0.0.1:PORT/`: every attempt there fails (the client sees 1006). */
  url: string
  port: number
  /** Connections reset so far. */
  attempts: number
  close(): Promise<void>
}

export async function refusingServer(): Promise<Refusing> {
  const server = createServer((socket) => {
    refusing.attempts++
    socket.on('error', () => undefined)
    socket.resetAndDestroy()
  })
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  const port = (server.address() as { port: number }).port
  const refusing: Refusing = {
    url: `ws://127.0.0.1:${port}/`,
    port,
    attempts: 0,
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve())
      }),
  }
  return refusing
}

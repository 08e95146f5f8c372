/** Promises around `server.listen` and `server.close`, for the inspector's servers. */
import type { Server } from 'node:http'

export function listen(server: Server, port: number, host: string) {
  return new Promise<number>((resolvePort, reject) => {
    const onError = (error: Error) => reject(error)
    server.once('error', onError)
    server.listen(port, host, () => {
      server.off('error', onError)
      resolvePort((server.address() as { port: number }).port)
    })
  })
}

export function closeServer(server: Server): Promise<void> {
  return new Promise((done) => {
    if (!server.listening) return done()
    server.close(() => done())
  })
}

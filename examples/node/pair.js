// `npm run example:node`: the server and the client together, in one process.
import { runClient } from './client.js'
import { startServer } from './server.js'

const { url, stop } = await startServer(0)
console.log(`[server] listening on ${url}`)
const interval = Number(process.env.HEARTBEAT_INTERVAL ?? 500)
const timeout = Number(process.env.HEARTBEAT_TIMEOUT ?? 500)
const transitions = await runClient(url, { interval, timeout })
await stop()
console.log(`done: ${transitions.length} transitions`)

/**
 * B1 / B2: messages per second through each client over loopback, against the
 * raw endpoint of bench/server.ts (another process, nearly free, so the client
 * is the bottleneck). B1 times N inbound 32-byte text messages from `open` to
 * the last one; B2 times N `send()` calls of 32 bytes from `open` until the
 * server has counted every byte. Contenders run one after another in each
 * round, in rotating order; every trial opens a fresh connection.
 */
import { CONTENDERS, type ContenderName } from './contenders.js'
import { now, order, startServer, stats } from './lib.js'
import { PAYLOAD } from './wire.js'

const NAMES = Object.keys(CONTENDERS) as ContenderName[]

function trial(
  name: ContenderName,
  base: string,
  direction: 'in' | 'out',
  n: number,
): Promise<number> {
  return new Promise((resolve, reject) => {
    const client = CONTENDERS[name](`${base}/${direction}?n=${n}`)
    let started = 0
    let received = 0
    const safety = setTimeout(() => reject(new Error(`${name} ${direction} timed out`)), 60_000)
    const finish = () => {
      const elapsed = now() - started
      clearTimeout(safety)
      client.close()
      resolve((n / elapsed) * 1000)
    }
    client.addEventListener('open', () => {
      started = now()
      if (direction === 'out') for (let i = 0; i < n; i++) client.send(PAYLOAD)
    })
    client.addEventListener('message', (event) => {
      if (direction === 'in') {
        if (++received === n) finish()
      } else if (event.data === 'done') finish()
    })
  })
}

export interface ThroughputResult {
  messages: number
  rounds: number
  /** Messages per second per contender. */
  rate: Record<ContenderName, ReturnType<typeof stats>>
  /** Per-round ratio contender / ws. */
  ratio: Record<ContenderName, ReturnType<typeof stats>>
}

export async function throughput(
  direction: 'in' | 'out',
  { n, rounds }: { n: number; rounds: number },
): Promise<ThroughputResult> {
  const server = await startServer('raw')
  const base = `ws://127.0.0.1:${server.port}`
  try {
    // Warm-up: let the JIT see every path once.
    for (const name of NAMES) await trial(name, base, direction, Math.min(n, 20_000))
    const rates: Record<string, number[]> = {}
    for (let r = 0; r < rounds; r++) {
      for (const name of order(NAMES, r)) {
        const list = rates[name] ?? []
        list.push(await trial(name, base, direction, n))
        rates[name] = list
      }
    }
    const rate = {} as ThroughputResult['rate']
    const ratio = {} as ThroughputResult['ratio']
    const ws = rates.ws as number[]
    for (const name of NAMES) {
      const mine = rates[name] as number[]
      rate[name] = stats(mine)
      ratio[name] = stats(mine.map((v, i) => v / (ws[i] as number)))
    }
    return { messages: n, rounds, rate, ratio }
  } finally {
    await server.kill()
  }
}

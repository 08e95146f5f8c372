/**
 * B1 client-bound: inbound throughput where only the client can be the
 * bottleneck. The server (bench/server.ts `/bulk`, another process) sends the
 * 101 response and N pre-framed 32-byte text messages as one Buffer in a single
 * write, so the client reads large chunks holding hundreds of frames each, and
 * the time from `open` to the N-th message is the client's parsing and dispatch.
 *
 * Compared: a `ws` client with `onmessage` (the baseline), heartline's
 * Connection over `ws` with `onmessage`, and with `addEventListener('message')`.
 * Each trial opens a fresh connection; within a round the three run one after
 * another in rotating order; the ratio to ws is taken per round.
 *
 * Alone: `node --import tsx bench/client-bound.ts [--n=200000] [--rounds=21] [--record]`;
 * `--record` also writes the figures, the machine and its load to bench/CLIENT-BOUND.md
 * (`npm run bench` puts them in bench/RESULTS.md as B1C).
 */
import { writeFile } from 'node:fs/promises'
import { loadavg } from 'node:os'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import WS from 'ws'
import { createConnection } from '../src/index.js'
import { BENCH, machine, now, order, quantile, type Stats, startServer, stats } from './lib.js'

/** What a trial needs of a client: a message handler installed its own way, and close(). */
interface Receiver {
  close(): void
}

type Variant = 'ws onmessage' | 'heartline onmessage' | 'heartline addEventListener'
export const VARIANTS: Variant[] = [
  'ws onmessage',
  'heartline onmessage',
  'heartline addEventListener',
]

function connect(
  variant: Variant,
  url: string,
  onOpen: () => void,
  onMessage: () => void,
): Receiver {
  if (variant === 'ws onmessage') {
    const ws = new WS(url)
    ws.onopen = onOpen
    ws.onmessage = onMessage
    return ws
  }
  // Defaults as an application would use them: the heartbeat interval is far
  // longer than a trial, so no ping is sent while it runs.
  const conn = createConnection(url, { WebSocket: WS })
  conn.onopen = onOpen
  if (variant === 'heartline onmessage') conn.onmessage = onMessage
  else conn.addEventListener('message', onMessage)
  return conn
}

/**
 * Messages per second for one fresh connection receiving `n` messages: per
 * second of wall time, and per second of this process's CPU time (user + system,
 * every thread), which time spent descheduled on a shared machine does not inflate.
 */
function trial(variant: Variant, base: string, n: number): Promise<{ wall: number; cpu: number }> {
  return new Promise((resolve, reject) => {
    let started = 0
    let cpu0 = process.cpuUsage()
    let received = 0
    const safety = setTimeout(() => reject(new Error(`${variant} timed out`)), 60_000)
    const client = connect(
      variant,
      `${base}/bulk?n=${n}`,
      () => {
        started = now()
        cpu0 = process.cpuUsage()
      },
      () => {
        if (++received !== n) return
        const elapsed = now() - started
        const cpu = process.cpuUsage(cpu0)
        clearTimeout(safety)
        client.close()
        resolve({ wall: (n / elapsed) * 1000, cpu: (n / (cpu.user + cpu.system)) * 1e6 })
      },
    )
  })
}

export interface ClientBoundResult {
  messages: number
  rounds: number
  /** Messages per second of wall time, per variant. */
  rate: Record<Variant, Stats>
  /** Per-round ratio variant / `ws onmessage`, on wall time. */
  ratio: Record<Variant, Stats>
  /** Interquartile range of each wall-time ratio (25th and 75th percentile). */
  iqr: Record<Variant, [number, number]>
  /** Messages per second of the client process's CPU time, per variant. */
  cpuRate: Record<Variant, Stats>
  /** Per-round ratio variant / `ws onmessage`, on CPU time. */
  cpuRatio: Record<Variant, Stats>
  cpuIqr: Record<Variant, [number, number]>
}

export async function clientBound({
  n,
  rounds,
}: {
  n: number
  rounds: number
}): Promise<ClientBoundResult> {
  const server = await startServer('raw')
  const base = `ws://127.0.0.1:${server.port}`
  try {
    // Warm-up: every path through the JIT, and the server's buffer for n built.
    for (let i = 0; i < 2; i++) for (const v of VARIANTS) await trial(v, base, n)
    const empty = () =>
      Object.fromEntries(VARIANTS.map((v) => [v, [] as number[]])) as Record<Variant, number[]>
    const wall = empty()
    const cpu = empty()
    for (let r = 0; r < rounds; r++) {
      for (const v of order(VARIANTS, r)) {
        const t = await trial(v, base, n)
        wall[v].push(t.wall)
        cpu[v].push(t.cpu)
      }
    }
    const summarise = (rates: Record<Variant, number[]>) => {
      const ws = rates['ws onmessage']
      const rate = {} as Record<Variant, Stats>
      const ratio = {} as Record<Variant, Stats>
      const iqr = {} as Record<Variant, [number, number]>
      for (const v of VARIANTS) {
        const per = rates[v].map((x, i) => x / (ws[i] as number))
        rate[v] = stats(rates[v])
        ratio[v] = stats(per)
        iqr[v] = [quantile(per, 0.25), quantile(per, 0.75)]
      }
      return { rate, ratio, iqr }
    }
    const w = summarise(wall)
    const c = summarise(cpu)
    return {
      messages: n,
      rounds,
      ...w,
      cpuRate: c.rate,
      cpuRatio: c.ratio,
      cpuIqr: c.iqr,
    }
  } finally {
    await server.kill()
  }
}

/** One line per variant: median and spread of the ratio to `ws onmessage`. */
export function describeClientBound(r: ClientBoundResult): string {
  const lines = [
    `B1 client-bound: ${r.messages} messages per trial, ${r.rounds} rounds (ratio to ws onmessage: median, IQR, min–max)`,
  ]
  for (const [label, rate, ratio, iqr] of [
    ['wall time', r.rate, r.ratio, r.iqr],
    ['CPU time', r.cpuRate, r.cpuRatio, r.cpuIqr],
  ] as const) {
    lines.push(`per second of ${label}:`)
    for (const v of VARIANTS) {
      const x = ratio[v]
      const [q1, q3] = iqr[v]
      lines.push(
        `  ${v.padEnd(28)} ${Math.round(rate[v].median).toLocaleString('en-US').padStart(10)} msg/s  ratio ${x.median.toFixed(3)}  IQR ${q1.toFixed(3)}–${q3.toFixed(3)}  range ${x.min.toFixed(3)}–${x.max.toFixed(3)}`,
      )
    }
  }
  return lines.join('\n')
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  const arg = (name: string, fallback: number) => {
    const found = process.argv.find((a) => a.startsWith(`--${name}=`))
    return found ? Number(found.slice(name.length + 3)) : fallback
  }
  const load = loadavg()
  const m = machine()
  process.stdout.write(`${m.cpu}, ${m.cores} cores, Node ${m.node}\n`)
  const result = await clientBound({ n: arg('n', 200_000), rounds: arg('rounds', 21) })
  const text = describeClientBound(result)
  process.stdout.write(`${text}\n`)
  if (process.argv.includes('--record')) {
    const command = `node --import tsx bench/client-bound.ts ${process.argv.slice(2).join(' ')}`
    await writeFile(
      join(BENCH, 'CLIENT-BOUND.md'),
      [
        '# B1C: inbound throughput, client-bound',
        '',
        `Recorded by \`${command.trim()}\` on ${m.date}: ${m.cpu}, ${m.cores} cores, Node ${m.node};`,
        `load average (1/5/15 min) at the start ${load.map((x) => x.toFixed(1)).join(' / ')}.`,
        '',
        '```',
        text,
        '```',
        '',
        'Where heartline spends its time per message, and what 0.97 would take: bench/TARGETS.md.',
        '',
      ].join('\n'),
    )
  }
}

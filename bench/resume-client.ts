/**
 * B9's client-alone, server → client case on its own, for profiling the resume
 * layer's inbound path: `node --import tsx bench/resume-client.ts [rounds] [n] [on|off|both]`.
 * The hand-framed endpoint of bench/server.ts writes pre-encoded frames (`/in`
 * plain, `/rin` numbered), so the client is the bottleneck. Per round, off and
 * on alternate (as B9 does); prints messages/s, CPU µs per message and the
 * on/off ratio of each, then their median and range.
 */
import { cpuUsage } from 'node:process'
import WebSocket from 'ws'
import { createConnection } from '../src/index.js'
import { resume } from '../src/resume/index.js'
import { machine, now, order, startServer, stats } from './lib.js'

const rounds = Number(process.argv[2] ?? 7)
const n = Number(process.argv[3] ?? 100_000)
const which = (process.argv[4] ?? 'both') as 'on' | 'off' | 'both'

function trial(base: string, withResume: boolean, count: number) {
  return new Promise<{ rate: number; cpu: number; first: number }>((resolve) => {
    const conn = createConnection(`${base}/${withResume ? 'r' : ''}in?n=${count}`, {
      WebSocket: WebSocket as never,
      ...(withResume ? { resume: resume({ maxBytes: 64 * 1024 * 1024 }) } : {}),
    })
    let started = 0
    let cpu = cpuUsage()
    let got = 0
    let first = 0
    conn.addEventListener('open', () => {
      started = now()
      cpu = cpuUsage()
    })
    conn.addEventListener('message', () => {
      if (got === 0) first = now() - started
      if (++got === count) {
        const elapsed = now() - started
        const used = cpuUsage(cpu)
        conn.close()
        resolve({ rate: (count / elapsed) * 1000, cpu: (used.user + used.system) / count, first })
      }
    })
  })
}

const m = machine()
console.log(`${m.cpu}, ${m.cores} cores, Node ${m.node}`)
const raw = await startServer('raw')
const base = `ws://127.0.0.1:${raw.port}`
try {
  const variants = which === 'both' ? (['off', 'on'] as const) : ([which] as const)
  for (const v of variants) await trial(base, v === 'on', 20_000)
  const rate = { off: [] as number[], on: [] as number[] }
  const cpu = { off: [] as number[], on: [] as number[] }
  const first = { off: [] as number[], on: [] as number[] }
  for (let r = 0; r < rounds; r++) {
    for (const v of order(variants, r)) {
      const t = await trial(base, v === 'on', n)
      rate[v].push(t.rate)
      cpu[v].push(t.cpu)
      first[v].push(t.first)
    }
    const line = variants
      .map(
        (v) =>
          `${v} ${Math.round(rate[v][r] as number)}/s ${(cpu[v][r] as number).toFixed(3)}µs first ${(first[v][r] as number).toFixed(2)}ms`,
      )
      .join('  ')
    const ratio =
      which === 'both'
        ? `  ratio ${((rate.on[r] as number) / (rate.off[r] as number)).toFixed(3)} cpu ratio ${((cpu.off[r] as number) / (cpu.on[r] as number)).toFixed(3)}`
        : ''
    console.log(`round ${r + 1}: ${line}${ratio}`)
  }
  if (which === 'both') {
    const show = (name: string, values: number[]) => {
      const s = stats(values)
      console.log(
        `${name}: median ${s.median.toFixed(3)} (min ${s.min.toFixed(3)}, max ${s.max.toFixed(3)})`,
      )
    }
    show(
      'rate on/off',
      rate.on.map((x, i) => x / (rate.off[i] as number)),
    )
    show(
      'cpu off/on ',
      cpu.off.map((x, i) => x / (cpu.on[i] as number)),
    )
  }
} finally {
  await raw.kill()
}

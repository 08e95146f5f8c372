/**
 * Renders B8 (storms) as its own block of bench/RESULTS.md, between markers, so a
 * `--only=B8` run can replace just this block (bench/run.ts).
 */
import type { BackoffSimResult } from './backoff-sim.js'
import type { Stats } from './lib.js'
import { SCENARIOS, type StormResult, type StormScenario } from './storm.js'

export const B8_START = '<!-- B8 -->'
export const B8_END = '<!-- /B8 -->'

export interface B8Results {
  simulated: BackoffSimResult
  real?: StormResult
}

const fmt = (v: number, digits: number) =>
  Number.isFinite(v)
    ? v.toLocaleString('en-US', { minimumFractionDigits: digits, maximumFractionDigits: digits })
    : 'n/a'
const cells = (s: Stats, digits: number, scale = 1) =>
  `${fmt(s.min * scale, digits)} | **${fmt(s.median * scale, digits)}** | ${fmt(s.max * scale, digits)}`

const LABEL: Record<StormScenario, string> = {
  drain: 'drain({ window })',
  restart: 'restart, defaults (1012, no hint)',
  'crash+admission': 'SIGKILL, admission({ perSecond })',
  'crash+admission-http': "SIGKILL, admission({ perSecond, refuse: 'http' })",
  crash: 'SIGKILL, defaults',
}

export function renderStorm(b: B8Results): string[] {
  const lines: string[] = [B8_START, '## B8: storms (drain, admission, backoff strategies)', '']
  const sim = b.simulated
  lines.push(
    `Simulated (bench/backoff-sim.ts, our own model after the AWS Architecture Blog's backoff simulator): every client needs one successful call to a resource that serves one call at a time (${sim.params.busy} ms each; a call arriving while one is served fails and retries). Sleep after failure k: none = min(cap, base·2^k); full = random(0, that); equal = half of it + random(0, half); decorrelated = min(cap, random(base, 3 × previous sleep)). base ${sim.params.base} ms, cap ${sim.params.cap} ms; ${sim.seeds} seeds. heartline's default backoff is full jitter.`,
    '',
    '| clients | strategy | total calls (min / **median** / max) | | | time to completion, s | | |',
    '|--:|---|--:|--:|--:|--:|--:|--:|',
  )
  for (const row of sim.rows) {
    lines.push(
      `| ${row.clients.toLocaleString('en-US')} | ${row.strategy} | ${cells(row.calls, 0)} | ${cells(row.completion, 1, 1 / 1000)} |`,
    )
  }
  lines.push('')
  const r = b.real
  if (!r) {
    lines.push('Real sockets: not run in this mode.', '', B8_END, '')
    return lines
  }
  lines.push(
    `Real sockets (bench/storm.ts): ${r.clients} heartline clients with the default options in the bench process, over loopback, on a \`ws\` server in a child process (bench/storm-server.ts) that is replaced at once by a fresh process on the same port; ${r.rounds} rounds, scenarios rotated. drain window ${r.window} ms; admission ${r.perSecond} handshakes/s. Each client queues one message while it is down; "lost" counts those the new server never received. "Handshakes/s" counts every upgrade the new server processed (refused ones included) in its busiest second; "accepted/s" those it accepted. All clients share one process and its CPU, which stretches bursts (see B4).`,
    '',
    '| scenario | figure | min | median | max | target | |',
    '|---|---|--:|--:|--:|---|---|',
  )
  const x = r.result
  const target = (ok: boolean | undefined, text: string) =>
    `${text} | ${ok === undefined ? '' : ok ? 'met' : '**missed**'}`
  for (const s of SCENARIOS) {
    const v = x[s]
    const isDrain = s === 'drain'
    lines.push(
      `| ${LABEL[s]} | peak: clients attempting in any 100 ms (%) | ${cells(v.peak, 1)} | ${isDrain ? target(v.peak.median <= 1.5, '≤ 1.5 % (ideal 1 %)') : ' | '} |`,
      `| ${LABEL[s]} | attempts per client | ${cells(v.attemptsPerClient, 2)} | | |`,
      `| ${LABEL[s]} | 99 % open again, ms | ${cells(v.t99, 0)} | ${isDrain ? target(v.t99.median <= r.window + 1000, `≤ ${r.window + 1000}`) : ' | '} |`,
      `| ${LABEL[s]} | queued messages lost | ${cells(v.lost, 0)} | ${isDrain ? target(v.lost.max === 0, '0') : ' | '} |`,
      `| ${LABEL[s]} | new server: handshakes/s, busiest second | ${cells(v.handshakesPeak, 0)} | | |`,
      `| ${LABEL[s]} | new server: accepted/s, busiest second | ${cells(v.acceptedPeak, 0)} | | |`,
    )
  }
  lines.push('', B8_END, '')
  return lines
}

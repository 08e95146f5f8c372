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

/** Where a block from a partial run came from (a full run's header already says it). */
export interface B8Meta {
  command: string
  date: string
  loadBefore: number[]
  seconds: number
}

export function renderStorm(b: B8Results, meta?: B8Meta): string[] {
  const lines: string[] = [B8_START, '## B8: storms (drain, admission, backoff strategies)', '']
  if (meta) {
    lines.push(
      `This block comes from its own run: \`${meta.command}\`, ${meta.date}, ${meta.seconds} s; load average (1/5/15 min) before: ${meta.loadBefore.map((x) => x.toFixed(1)).join(' / ')} on this shared 2-core machine. The rest of this file is from the full run above.`,
      '',
    )
  }
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
      `| ${LABEL[s]} | peak after the replacement listened (%) | ${cells(v.peakBack, 1)} | | |`,
      `| ${LABEL[s]} | attempts per client | ${cells(v.attemptsPerClient, 2)} | | |`,
      `| ${LABEL[s]} | 99 % open again, ms | ${cells(v.t99, 0)} | ${isDrain ? target(v.t99.median <= r.window + 1000, `≤ ${r.window + 1000}`) : ' | '} |`,
      `| ${LABEL[s]} | queued messages lost | ${cells(v.lost, 0)} | ${isDrain ? target(v.lost.max === 0, '0') : ' | '} |`,
      `| ${LABEL[s]} | new server: handshakes/s, busiest second | ${cells(v.handshakesPeak, 0)} | | |`,
      `| ${LABEL[s]} | new server: accepted/s, busiest second | ${cells(v.acceptedPeak, 0)} | | |`,
      `| ${LABEL[s]} | ms until the last client saw its close | ${cells(v.lastCloseMs, 0)} | | |`,
      ...(s === 'drain' || s === 'restart'
        ? [
            `| ${LABEL[s]} | ms until every client was closed (server side) | ${cells(v.drainMs, 0)} | | |`,
          ]
        : []),
      `| ${LABEL[s]} | ms until the replacement listened | ${cells(v.backMs, 0)} | | |`,
    )
  }
  lines.push('', ...stormNotes(r), '', B8_END, '')
  return lines
}

/** What the figures say, met or missed, and for a miss its cause (read from the same run). */
function stormNotes(r: StormResult): string[] {
  const d = r.result.drain
  const crash = r.result.crash
  const gate = r.result['crash+admission']
  const http = r.result['crash+admission-http']
  const restart = r.result.restart
  const early = (d.backMs.median / r.window) * 100
  const out = ['Notes on this run:', '']
  out.push(
    `- **drain peak ≤ 1.5 %: ${d.peak.median <= 1.5 ? 'met' : 'missed'}** (median ${d.peak.median.toFixed(1)} %, runs ${d.peak.min.toFixed(1)}–${d.peak.max.toFixed(1)} %; restart with the defaults ${restart.peak.median.toFixed(1)} %, crash ${crash.peak.median.toFixed(1)} %).${
      d.peak.median <= 1.5
        ? ''
        : ` Cause: the hints start at 0 ms, but the replacement listened only ${d.backMs.median.toFixed(0)} ms after the drain began (drain() itself took ${d.drainMs.median.toFixed(0)} ms to close every client), so about ${early.toFixed(0)} % of the clients came back to no server and fell back on full jitter over 1 s; and the ${r.clients} clients share one process, whose CPU delivered the close events over ${d.lastCloseMs.median.toFixed(0)} ms and fired the early hinted timers in bunches. Counting only the attempts after the replacement listened, the peak is ${d.peakBack.median.toFixed(1)} % (ideal ${(100 / (r.window / 100)).toFixed(1)} %): the jittered retries of those early returners land in the first second after it listens, on top of the hinted stream. What would close it: a server that knows its restart time can start the spread after it (an offset before the window; not an option of drain() today), and one process per few clients instead of one for all.`
    }`,
    `- **drain: 99 % open ≤ window + 1 s: ${d.t99.median <= r.window + 1000 ? 'met' : 'missed'}** (median ${d.t99.median.toFixed(0)} ms, runs ${d.t99.min.toFixed(0)}–${d.t99.max.toFixed(0)}).${
      d.t99.median <= r.window + 1000
        ? ''
        : ` Cause: each hint counts from the moment a client sees its close, and this process saw the last close ${d.lastCloseMs.median.toFixed(0)} ms after the drain began, so the last hinted attempts land that much after the window.`
    }`,
    `- **drain: 0 queued messages lost: ${d.lost.max === 0 ? 'met' : 'missed'}** (worst run ${d.lost.max}). The plain restart lost up to ${restart.lost.max}${restart.lost.max > 0 ? ': clients that came back while the old process was still closing the others were accepted by it and flushed their queue into it just before it died; drain() answers newcomers 503 before the upgrade' : ' in this run; it can lose the queues of clients that come back while the old process is still closing the others (accepted by it just before it dies), which drain() prevents by answering newcomers 503 before the upgrade'}.`,
    `- **admission after a SIGKILL:** the replacement accepted at most ${gate.acceptedPeak.median.toFixed(0)} handshakes in its busiest second (${r.perSecond}/s plus the burst) against ${crash.acceptedPeak.median.toFixed(0)} without admission; it processed ${gate.handshakesPeak.median.toFixed(0)} upgrades in that second, the refused ones at the cost of a SHA-1 and one write each. 99 % open after ${(gate.t99.median / 1000).toFixed(1)} s (refuse: 'close') and ${(http.t99.median / 1000).toFixed(1)} s (refuse: 'http'), against ${(crash.t99.median / 1000).toFixed(1)} s without: pacing ${r.clients} clients at ${r.perSecond}/s takes at least ${(r.clients / r.perSecond).toFixed(0)} s by construction. With refuse: 'close' ${gate.lost.median.toFixed(0)} of ${r.clients} queued messages were lost (a refused client sees \`open\` and flushes its queue into the refused socket; heartline sends it again after a refusal before any frame: docs/reliability.md); refuse: 'http' lost ${http.lost.max}.`,
  )
  return out
}

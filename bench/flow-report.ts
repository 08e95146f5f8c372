/** B10's block of bench/RESULTS.md: the writable, the armed `send()` ratio, and the Chromium slow consumer. */
import type { flowBench } from './flow.js'

export function renderFlow(b: Awaited<ReturnType<typeof flowBench>>): string[] {
  const p = b.plan
  const lines = [
    '## B10: flow control',
    '',
    `Producer: ${p.mib} MiB in 64 KiB chunks to a server reading ${p.rate} MiB/s. \`send()\` with a \`bufferedamountlow\` handler vs none: median of ${p.rounds} rounds of ${p.sends} sends.`,
    '',
    '| producer | RSS growth (MiB) | bytes written | bytes received |',
    '|---|--:|--:|--:|',
    `| \`toStreams(conn).writable\` | ${b.streams.rssGrowthMiB} | ${b.streams.written} | ${b.streams.received} |`,
    `| naive \`ws\` send loop | ${b.naive.rssGrowthMiB} | ${b.naive.written} | ${b.naive.received} |`,
    '',
    `Armed / plain \`send()\`: ${b.armedOverPlain} (target ≥ 0.97).`,
    '',
  ]
  const c = b.chromium
  if (c) {
    lines.push(
      `Slow consumer in ${c.browser}: a \`ws\` server sends ${c.mib} MiB in 64 KiB chunks as fast as it can; the page reads \`toStreams(conn).readable\` at ${c.rate} MiB/s. Page heap: CDP \`Runtime.getHeapUsage\` (V8 heap plus ArrayBuffer backing stores), growth from the start, as sampled and right after a forced collection.`,
      '',
      '| page socket | heap growth (MiB) | live heap growth (MiB) | server peak buffered (MiB) | server drained after (s) | received in order | consumer time (s) |',
      '|---|--:|--:|--:|--:|---|--:|',
    )
    for (const [path, r] of Object.entries(c.paths)) {
      lines.push(
        `| ${path === 'StreamSocket' ? '`StreamSocket` (WebSocketStream)' : 'browser `WebSocket`'} | ${r.heapGrowthMiB} | ${r.liveHeapGrowthMiB} | ${r.serverPeakBufferedMiB} | ${r.serverDrainedSeconds} | ${r.received === c.mib * 1024 * 1024 && r.inOrder ? 'yes' : `no (${r.received} B)`} | ${r.seconds} |`,
      )
    }
    lines.push('')
  }
  return lines
}

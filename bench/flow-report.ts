/** B10's block of bench/RESULTS.md: the writable, the armed `send()` ratio, and the Chromium slow consumer. */
import type { flowBench } from './flow.js'

/** The heading B10's block starts with (a rerun of B10 alone replaces the block). */
export const FLOW_HEADING = '## B10: flow control'

/** Where a B10 block came from when B10 was rerun alone after the full run. */
interface Rerun {
  command: string
  date: string
  loadBefore: number[]
}

export function renderFlow(b: Awaited<ReturnType<typeof flowBench>> & { rerun?: Rerun }): string[] {
  const p = b.plan
  const lines = [
    FLOW_HEADING,
    '',
    ...(b.rerun
      ? [
          `B10 was rerun alone after the full run: \`${b.rerun.command}\`, ${b.rerun.date}, load average before ${b.rerun.loadBefore.join(' / ')}.`,
          '',
        ]
      : []),
    `Producer: ${p.mib} MiB in 64 KiB chunks to a server reading ${p.rate} MiB/s. \`send()\` with a \`bufferedamountlow\` handler vs none: median of ${p.rounds} rounds of ${p.sends} sends.`,
    '',
    '| producer | RSS growth (MiB) | bytes written | bytes received |',
    '|---|--:|--:|--:|',
    `| \`toStreams(conn).writable\` | ${b.streams.rssGrowthMiB} | ${b.streams.written} | ${b.streams.received} |`,
    `| \`ws\` loop waiting while its \`bufferedAmount\` > 1 MiB (baseline) | ${b.wsWait.rssGrowthMiB} | ${b.wsWait.written} | ${b.wsWait.received} |`,
    `| naive \`ws\` send loop | ${b.naive.rssGrowthMiB} | ${b.naive.written} | ${b.naive.received} |`,
    '',
    `- **Writable RSS within 32 MiB of its start: ${b.streams.rssGrowthMiB <= 32 ? 'met' : 'missed'}** (+${b.streams.rssGrowthMiB} MiB; the baseline loop, which holds at most 1 MiB unsent, grew ${b.wsWait.rssGrowthMiB} MiB: chunks already sent stay in memory until the collector runs, which V8 schedules by the amount of memory allocated outside its heap, not by the count of live chunks). Bytes delivered ${b.streams.received === b.streams.written ? 'equal' : 'differ from'} bytes written.`,
    `- **Armed / plain \`send()\` ≥ 0.97: ${b.armed.median >= 0.97 ? 'met' : 'missed'}** (median ${b.armed.median}, runs ${b.armed.min}–${b.armed.max}; the two alternate first).`,
    '',
  ]
  const n = b.node
  if (n) {
    lines.push(
      `Slow consumer in Node ${process.version}: a \`ws\` server sends ${n.mib} MiB in 64 KiB chunks as fast as it can; a client process reads at ${n.rate} MiB/s (bench/flow-consumer.ts). RSS growth of the client process, peak minus start, sampled every 20 ms (garbage not yet collected included); in a second run of the same client, what it holds: heap plus ArrayBuffers right after a forced full collection, every 250 ms, peak minus start.`,
      '',
      '| client | RSS growth (MiB) | held after a collection (MiB) | server peak buffered (MiB) | server drained after (s) | received in order | consumer time (s) |',
      '|---|--:|--:|--:|--:|---|--:|',
    )
    for (const [mode, r] of Object.entries(n.paths)) {
      lines.push(
        `| ${mode === 'streams' ? '`toStreams(conn).readable` over `ws` (pauses the socket)' : 'plain `ws`, messages queued for the consumer'} | ${r.rssGrowthMiB} | ${r.liveGrowthMiB} | ${r.serverPeakBufferedMiB} | ${r.serverDrainedSeconds} | ${r.received === n.mib * 1024 * 1024 && r.inOrder ? 'yes' : `no (${r.received} B)`} | ${r.seconds} |`,
      )
    }
    lines.push('')
  }
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

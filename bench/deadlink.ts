/**
 * B3: dead-link detection. A server process is frozen with SIGSTOP (its kernel
 * still ACKs, so nothing closes: the link just goes silent) at a random phase of
 * the heartbeat cycle; measured from the freeze:
 *   - detect:  the client gives up on the socket (heartline: enters
 *              `waitingToReconnect`; classic recipe: its `close` event fires);
 *   - attempt: the next WebSocket is constructed.
 * In Node over `ws` and in Chromium over its own WebSocket. In each round the
 * four runs (heartline / classic × Node / Chromium) go concurrently, each
 * against its own frozen server; they only wait on timers.
 */
import { build } from 'esbuild'
import type { Browser } from 'playwright-core'
import WS from 'ws'
import { createConnection, presets } from '../src/index.js'
import { launchOwnChromium } from './chromium.js'
import { CLASSIC_SEED, type ClassicTimings, classicClient } from './classic.js'
import { BENCH, sleep, startServer, stats } from './lib.js'

export interface DeadLinkSetup {
  /** heartline options (timings only). */
  heartline: {
    heartbeat: { interval: number; timeout: number }
    reconnect: { initialDelay: number; maxDelay: number; factor: number; jitter: 'none' }
    closeTimeout: number
  }
  classic: ClassicTimings
  /** Longest wait for the next attempt after a freeze; longer waits are reported as the cap. */
  cap: number
  scaled: boolean
}

export function deadLinkSetup(quick: boolean): DeadLinkSetup {
  if (quick) {
    return {
      heartline: {
        heartbeat: { interval: 300, timeout: 300 },
        reconnect: { initialDelay: 400, maxDelay: 400, factor: 1, jitter: 'none' },
        closeTimeout: 1000,
      },
      classic: { pingAfter: 300, closeAfter: 300, reconnectAfter: 400 },
      cap: 3000,
      scaled: true,
    }
  }
  return {
    heartline: {
      heartbeat: {
        interval: presets.seed.heartbeat.interval,
        timeout: presets.seed.heartbeat.timeout,
      },
      reconnect: { ...presets.seed.reconnect },
      closeTimeout: 1000,
    },
    classic: CLASSIC_SEED,
    cap: 90_000,
    scaled: false,
  }
}

interface Run {
  /** ms from the freeze to giving up on the socket (NaN: not within the cap). */
  detect: number
  /** ms from the freeze to the next WebSocket constructed (the cap when capped). */
  attempt: number
  capped: boolean
}

type Kind = 'heartline' | 'classic'

async function nodeRun(kind: Kind, setup: DeadLinkSetup): Promise<Run> {
  const server = await startServer('ws')
  const url = `ws://127.0.0.1:${server.port}/b3`
  let frozenAt = 0
  let detectAt = Number.NaN
  let resolveAttempt: (at: number) => void = () => undefined
  const attempted = new Promise<number>((resolve) => {
    resolveAttempt = resolve
  })
  let resolveOpen: () => void = () => undefined
  const opened = new Promise<void>((resolve) => {
    resolveOpen = resolve
  })
  class Recording extends WS {
    constructor(u: string, p?: string | string[]) {
      super(u, p)
      if (frozenAt > 0) resolveAttempt(Date.now())
    }
  }
  const detect = () => {
    if (frozenAt > 0 && Number.isNaN(detectAt)) detectAt = Date.now()
  }
  let stop: () => void
  if (kind === 'heartline') {
    const conn = createConnection(url, { ...setup.heartline, WebSocket: Recording })
    conn.addEventListener('open', () => resolveOpen())
    conn.addEventListener('statechange', (e) => {
      if (e.to === 'waitingToReconnect') detect()
    })
    conn.addEventListener('error', () => undefined)
    stop = () => conn.close()
  } else {
    const client = classicClient(url, Recording as never, setup.classic)
    client.onopen = () => resolveOpen()
    client.onclose = detect
    stop = () => client.stop()
  }
  try {
    await opened
    return await freezeAndWait(
      server,
      setup,
      () => {
        frozenAt = Date.now()
        return frozenAt
      },
      attempted,
      () => detectAt,
    )
  } finally {
    stop()
    await server.kill()
  }
}

async function freezeAndWait(
  server: Awaited<ReturnType<typeof startServer>>,
  setup: DeadLinkSetup,
  markFrozen: () => number,
  attempted: Promise<number>,
  detected: () => number,
): Promise<Run> {
  // A random phase of the heartbeat cycle: worst and best cases both occur.
  const interval = setup.heartline.heartbeat.interval
  await sleep(interval * (1 + Math.random()))
  server.child.kill('SIGSTOP')
  const frozenAt = markFrozen()
  const capped = Symbol('capped')
  const at = await Promise.race([attempted, sleep(setup.cap).then(() => capped)])
  const detectAt = detected()
  if (at === capped) return { detect: detectAt - frozenAt, attempt: setup.cap, capped: true }
  return { detect: detectAt - frozenAt, attempt: (at as number) - frozenAt, capped: false }
}

async function pageBundle(): Promise<string> {
  const result = await build({
    entryPoints: [`${BENCH}/page.ts`],
    bundle: true,
    format: 'iife',
    platform: 'browser',
    write: false,
    logLevel: 'silent',
  })
  return (result.outputFiles[0] as { text: string }).text
}

async function browserRun(
  browser: Browser,
  script: string,
  kind: Kind,
  setup: DeadLinkSetup,
): Promise<Run> {
  const server = await startServer('ws')
  const url = `ws://127.0.0.1:${server.port}/b3`
  const context = await browser.newContext()
  const page = await context.newPage()
  let frozenAt = 0
  let detectAt = Number.NaN
  let resolveAttempt: (at: number) => void = () => undefined
  const attempted = new Promise<number>((resolve) => {
    resolveAttempt = resolve
  })
  let resolveOpen: () => void = () => undefined
  const opened = new Promise<void>((resolve) => {
    resolveOpen = resolve
  })
  await page.exposeFunction('report', (what: string, at: number) => {
    if (what === 'open') resolveOpen()
    else if (what === 'construct' && frozenAt > 0) resolveAttempt(at)
    else if (what === 'detect' && frozenAt > 0 && Number.isNaN(detectAt)) detectAt = at
  })
  try {
    await page.addScriptTag({ content: script })
    await page.evaluate(([k, u, h, c]) => window.startClient(k, u, h, c), [
      kind,
      url,
      setup.heartline,
      setup.classic,
    ] as const)
    await opened
    return await freezeAndWait(
      server,
      setup,
      () => {
        frozenAt = Date.now()
        return frozenAt
      },
      attempted,
      () => detectAt,
    )
  } finally {
    await context.close()
    await server.kill()
  }
}

/** Beyond bench/chromium.ts's flags: every page is a background page here; keep its timers at full rate. */
const FULL_RATE_TIMERS = [
  '--disable-background-timer-throttling',
  '--disable-renderer-backgrounding',
]

export interface DeadLinkResult {
  setup: DeadLinkSetup
  rounds: number
  target: { detect: number; attempt: number }
  node: Record<
    Kind,
    { detect: ReturnType<typeof stats>; attempt: ReturnType<typeof stats>; capped: number }
  >
  chromium: Record<
    Kind,
    { detect: ReturnType<typeof stats>; attempt: ReturnType<typeof stats>; capped: number }
  >
}

export async function deadLink({
  quick,
  rounds,
}: {
  quick: boolean
  rounds: number
}): Promise<DeadLinkResult> {
  const setup = deadLinkSetup(quick)
  const script = await pageBundle()
  const browser = await launchOwnChromium(FULL_RATE_TIMERS)
  const runs: Record<string, Run[]> = {}
  const push = (key: string, run: Run) => {
    const list = runs[key] ?? []
    list.push(run)
    runs[key] = list
  }
  try {
    const round = async () => {
      const [hn, cn, hc, cc] = await Promise.all([
        nodeRun('heartline', setup),
        nodeRun('classic', setup),
        browserRun(browser, script, 'heartline', setup),
        browserRun(browser, script, 'classic', setup),
      ])
      push('node heartline', hn)
      push('node classic', cn)
      push('chromium heartline', hc)
      push('chromium classic', cc)
    }
    for (let r = 0; r < rounds; r++) await round()
  } finally {
    await browser.close()
  }
  const summary = (key: string) => {
    const list = runs[key] as Run[]
    return {
      detect: stats(list.map((r) => r.detect)),
      attempt: stats(list.map((r) => r.attempt)),
      capped: list.filter((r) => r.capped).length,
    }
  }
  const h = setup.heartline
  const detectTarget = h.heartbeat.interval + h.heartbeat.timeout + h.closeTimeout + 50
  return {
    setup,
    rounds,
    target: { detect: detectTarget, attempt: detectTarget + h.reconnect.initialDelay },
    node: { heartline: summary('node heartline'), classic: summary('node classic') },
    chromium: { heartline: summary('chromium heartline'), classic: summary('chromium classic') },
  }
}

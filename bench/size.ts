/**
 * B6: bundle sizes, every contender measured the same way: esbuild bundles one
 * entry (`export * from '<package>'`, plus its default export where it has one),
 * minified, ESM, browser platform; then gzip at level 9 (zlib). Deterministic,
 * so `test/size.test.ts` holds heartline to a budget with it.
 */
import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { gzipSync } from 'node:zlib'
import { build, type Metafile } from 'esbuild'
import { ROOT } from './lib.js'

/**
 * The target for the main entry's own code (xstate external) in an app's
 * production build (`process.env.NODE_ENV` = "production": every error still
 * thrown, with its short code; the full messages dropped), min+gzip bytes. Until
 * the error codes the target was 4096 B for the bundle of the sources.
 */
export const SIZE_TARGET = 8192
/**
 * The budget `npm test` enforces. The target above is not met yet (see
 * bench/RESULTS.md, B6), so this is a ratchet: the size when it was set plus a
 * small margin. Lower it as the code shrinks; never raise it without a reason.
 * Raised from 7300 to 12 600 when the lifecycle work (metrics, close-code
 * table, network and page listeners), the stricter option validation and the
 * inspector bridge joined the main entry (12 006 B then). Lowered to 11 100
 * when the inspector bridge, inspection records and handshake helpers moved to
 * `heartline/inspector` (10 974 B then); to 9 900 when the close-code table
 * left its prose to docs/close-codes.md and option validation became
 * table-driven (9 709 B then). Set to 10 600 when those met the drop-in work
 * (handler slots over EventTarget, WebIDL conversions in close(), URLs resolved
 * against the page) and the retry hint in main (10 356 B then). Raised to
 * 11 900 for the direct message path in Node (src/inbound.ts, 11 598 B then):
 * about 1.2 KB that keeps inbound throughput at 0.97-1.0 of ws while every event
 * still reads as a dispatched MessageEvent. Raised to 12 000 when the adapter
 * stopped registering an inspection observer while nobody listens for
 * `statechange` (11 939 B then, 11 802 B before the host object and it): about
 * 90 B that take a fifth off the CPU of every heartbeat cycle (bench B7S).
 * Raised to 12 500 for the public API of issue 22 (12 433 B then; 12 070 B
 * before it, already past 12 000 with the chart's `stable` flag): the WebSocket
 * class check at creation, `startClosed`, the documented `statechange.event`
 * names, `giveup` with its `ongiveup` handler, `send()` refused after `close()`,
 * and one `error` per failed attempt on Node's own WebSocket; about 1 KB
 * minified, 363 B gzipped.
 * Since the error codes (docs/errors.md) it holds the production build, as the
 * target does: 10 800 (10 697 B then; 12 023 B for the development build), and
 * 11 200 with issue 22's API merged (11 088 B; 12 458 B for the development build).
 * Raised to 11 900 for issue 23's hand-over rule and message outcomes (11 849 B
 * then, with the one-trip close and the tab-role work merged; the rule alone was
 * 11 580 B against 10 970 B before it): tentative writes given back after a
 * refusal, bounded and dropped by the queue's own policy, and `send(data,
 * outcome)` through the queue, the socket and a layer; about 1.7 KB minified,
 * 610 B gzipped.
 * Lowered to 10 800 once browser bundles left Node's message path out (the
 * `browser` condition of `#dev`: 10 795 B with it merged; 10 970 B → 9 933 B on the code
 * before issue 23). Where the rest goes: bench/TARGETS.md.
 * Raised to 11 900 for issue 24's send-side flow control (11 806 B with it
 * merged; alone it was 11 760 B against 10 970 B on the code before the browser
 * bundle split): `bufferedAmount` counting queued bytes (a UTF-8 length),
 * `queue.maxBytes`, the low-water mark with its `bufferedamountlow` event,
 * handler, `whenBufferedAmountLow()` and the clock-driven reading that fires it
 * (src/low-water.ts), and `pauseReading()` with the paused socket's read for a ping.
 * Raised to 11 970 (11 959 B) when the outgoing queue became a class of its own
 * (src/out-queue.ts: its admission within the limits and the put-back after a
 * refusal) so that src/socket-slot.ts stays under 300 lines: about 70 B gzipped.
 * Raised to 12 120 (12 112 B) when what a socket not yet heard from holds back
 * got a byte bound (src/refused.ts `Tentative`): before it, a server that never
 * wrote kept up to 2 000 sent messages of any size alive (125 MiB of 64 KiB
 * chunks in B10): about 150 B gzipped.
 */
export const SIZE_BUDGET = 12_120

export interface Size {
  minified: number
  gzip: number
}

export async function measure(entry: string, external: string[] = []): Promise<Size> {
  const result = await build({
    stdin: { contents: entry, resolveDir: ROOT, loader: 'ts', sourcefile: 'size-entry.ts' },
    bundle: true,
    minify: true,
    format: 'esm',
    platform: 'browser',
    external,
    write: false,
    logLevel: 'silent',
    legalComments: 'none',
  })
  const code = (result.outputFiles[0] as { contents: Uint8Array }).contents
  return { minified: code.length, gzip: gzipSync(code, { level: 9 }).length }
}

/** heartline's public entry (what `import … from 'heartline'` pulls in). */
export const HEARTLINE_ENTRY = "export * from './src/index.ts'"

export const PEER_ENTRIES: Record<string, string> = {
  'reconnecting-websocket': "export { default } from 'reconnecting-websocket'",
  partysocket: "export * from 'partysocket'; export { default } from 'partysocket'",
  sockette: "export { default } from 'sockette'",
  'websocket-heartbeat-js': "export { default } from 'websocket-heartbeat-js'",
}

/**
 * heartline as an app bundles it, without `npm run build`: every module of
 * machines/ and src/ transpiled one by one by esbuild into a scratch copy of the
 * package (the layout of dist/, beside a package.json with the real one's
 * `imports` field), then bundled from there by esbuild for the browser, minified,
 * with `process.env.NODE_ENV` defined as an app's bundler defines it. So the
 * package's own `#dev` import, whose `browser` condition picks `dev.browser.js`
 * over `dev.js`, is what decides, as it is for users. Returns the bundle and removes the scratch copy.
 */
export async function appBuild(options: AppBuildOptions): Promise<Uint8Array> {
  return (await appBundle(options)).code
}

interface AppBuildOptions {
  mode: 'production' | 'development'
  entry?: string
  external?: string[]
  minify?: boolean
}

/** `appBuild`, with esbuild's metafile (module paths relative to the scratch package). */
async function appBundle({
  mode,
  entry = "export * from './dist/src/index.js'",
  external = ['xstate'],
  minify = true,
}: AppBuildOptions): Promise<{ code: Uint8Array; metafile: Metafile }> {
  const scratch = mkdtempSync(join(tmpdir(), 'heartline-app-build-'))
  try {
    const sources = ['machines', 'src'].flatMap((dir) =>
      (readdirSync(join(ROOT, dir), { recursive: true }) as string[])
        .filter((file) => /\.tsx?$/.test(file) && !file.endsWith('.d.ts'))
        .map((file) => join(ROOT, dir, file)),
    )
    await build({
      entryPoints: sources,
      outbase: ROOT,
      outdir: join(scratch, 'dist'),
      // Neutral: for the browser platform esbuild would define process.env.NODE_ENV here already.
      platform: 'neutral',
      format: 'esm',
      target: 'es2022',
      logLevel: 'silent',
    })
    const pkg = JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')) as {
      imports: unknown
    }
    writeFileSync(
      join(scratch, 'package.json'),
      JSON.stringify({
        name: 'heartline',
        type: 'module',
        sideEffects: false,
        imports: pkg.imports,
      }),
    )
    const result = await build({
      stdin: { contents: entry, resolveDir: scratch, sourcefile: 'app.js' },
      bundle: true,
      minify,
      format: 'esm',
      platform: 'browser',
      external,
      // What is not external (xstate, when a test bundles it in) comes from this checkout.
      nodePaths: [join(ROOT, 'node_modules')],
      define: { 'process.env.NODE_ENV': JSON.stringify(mode) },
      write: false,
      logLevel: 'silent',
      legalComments: 'none',
      metafile: true,
      absWorkingDir: scratch,
    })
    return {
      code: (result.outputFiles[0] as { contents: Uint8Array }).contents,
      metafile: result.metafile,
    }
  } finally {
    rmSync(scratch, { recursive: true, force: true })
  }
}

/** Min+gzip size of the main entry's own code (xstate external) in an app's build of `mode`. */
export async function measureApp(mode: 'production' | 'development'): Promise<Size> {
  const code = await appBuild({ mode })
  return { minified: code.length, gzip: gzipSync(code, { level: 9 }).length }
}

export interface SizeResult {
  /** Target and budget, both for the production build's own code. */
  target: number
  budget: number
  /** The main entry's own code (xstate external) in an app's production and development builds. */
  production: Size
  development: Size
  /** The production build with xstate bundled in. */
  withXstate: Size
  peers: Record<string, Size>
}

export async function sizes(): Promise<SizeResult> {
  const peers: Record<string, Size> = {}
  for (const [name, entry] of Object.entries(PEER_ENTRIES)) peers[name] = await measure(entry)
  const whole = await appBuild({ mode: 'production', external: [] })
  return {
    target: SIZE_TARGET,
    budget: SIZE_BUDGET,
    production: await measureApp('production'),
    development: await measureApp('development'),
    withXstate: { minified: whole.length, gzip: gzipSync(whole, { level: 9 }).length },
    peers,
  }
}

export interface ModuleShare {
  /** The source module (path relative to the repository, or the package path under node_modules). */
  module: string
  /** Its bytes in the minified bundle (esbuild's metafile). */
  minified: number
  /** Its share of the gzipped bundle, pro rata to its minified bytes (gzip has no per-module figure). */
  gzip: number
}

/** Where the bytes of one bundle go, per source module, largest first. */
export async function breakdown(
  entry: string,
  external: string[] = [],
): Promise<{ total: Size; modules: ModuleShare[] }> {
  const result = await build({
    stdin: { contents: entry, resolveDir: ROOT, loader: 'ts', sourcefile: 'size-entry.ts' },
    bundle: true,
    minify: true,
    format: 'esm',
    platform: 'browser',
    external,
    write: false,
    logLevel: 'silent',
    legalComments: 'none',
    metafile: true,
  })
  return shares((result.outputFiles[0] as { contents: Uint8Array }).contents, result.metafile)
}

/** The per-module split of the main entry's own code in an app's build of `mode` (xstate external). */
export async function appBreakdown(
  mode: 'production' | 'development',
): Promise<{ total: Size; modules: ModuleShare[] }> {
  const { code, metafile } = await appBundle({ mode })
  const split = shares(code, metafile)
  for (const m of split.modules) m.module = m.module.replace(/^dist\//, '')
  return split
}

function shares(code: Uint8Array, metafile: Metafile): { total: Size; modules: ModuleShare[] } {
  const gzip = gzipSync(code, { level: 9 }).length
  const output = Object.values(metafile.outputs)[0]
  const inputs = Object.entries(output?.inputs ?? {})
  const sum = inputs.reduce((total, [, input]) => total + input.bytesInOutput, 0)
  const modules = inputs
    .map(([path, input]) => ({
      module: path.replace(/^.*node_modules\//, ''),
      minified: input.bytesInOutput,
      gzip: Math.round((gzip * input.bytesInOutput) / sum),
    }))
    .sort((a, b) => b.minified - a.minified)
  return { total: { minified: code.length, gzip }, modules }
}

/** Shared helpers: statistics, the server child process, machine facts, bundles. */

import { type ChildProcess, fork } from 'node:child_process'
import { readFile } from 'node:fs/promises'
import { cpus, totalmem } from 'node:os'
import { dirname, join } from 'node:path'
import { fileURLToPath } from 'node:url'

export const ROOT = join(dirname(fileURLToPath(import.meta.url)), '..')
export const BENCH = join(ROOT, 'bench')

export interface Stats {
  min: number
  median: number
  max: number
  runs: number[]
}

export function stats(values: number[]): Stats {
  const sorted = [...values].sort((a, b) => a - b)
  const n = sorted.length
  const median =
    n === 0
      ? Number.NaN
      : n % 2 === 1
        ? (sorted[(n - 1) / 2] as number)
        : ((sorted[n / 2 - 1] as number) + (sorted[n / 2] as number)) / 2
  return { min: sorted[0] ?? Number.NaN, median, max: sorted[n - 1] ?? Number.NaN, runs: values }
}

/** The `q` quantile of `values` (0.25 and 0.75 give the interquartile range), interpolated. */
export function quantile(values: number[], q: number): number {
  const sorted = [...values].sort((a, b) => a - b)
  const at = (sorted.length - 1) * q
  const lo = Math.floor(at)
  const hi = Math.ceil(at)
  return (sorted[lo] as number) + ((sorted[hi] as number) - (sorted[lo] as number)) * (at - lo)
}

/**
 * The scripts forked as child processes, bundled once per run into bench/.cache
 * (plain ESM, packages left external), so a child starts without a TypeScript
 * loader: quicker, and lighter on a busy machine.
 */
const CACHE = join(BENCH, '.cache')
let prepared: Promise<void> | undefined
export function prepareChildren(): Promise<void> {
  prepared ??= (async () => {
    const { build } = await import('esbuild')
    await build({
      entryPoints: [
        join(BENCH, 'server.ts'),
        join(BENCH, 'child.ts'),
        join(BENCH, 'storm-server.ts'),
      ],
      outdir: CACHE,
      outExtension: { '.js': '.mjs' },
      bundle: true,
      platform: 'node',
      format: 'esm',
      target: 'node20',
      packages: 'external',
      logLevel: 'silent',
    })
  })()
  return prepared
}
export const script = async (name: string) => {
  await prepareChildren()
  return join(CACHE, name.replace(/\.ts$/, '.mjs'))
}

export const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms))
export const now = () => performance.timeOrigin + performance.now()

/** Rotates the contenders each round (A B, B A, …) so neither always runs first. */
export function order<T>(items: readonly T[], round: number): T[] {
  const k = round % items.length
  return [...items.slice(k), ...items.slice(0, k)]
}

export interface ServerProcess {
  child: ChildProcess
  port: number
  /** Wall-clock time (ms) the server started listening, by its own clock. */
  listeningAt: number
  /** Resolves when the process has exited. */
  exited: Promise<void>
  kill(signal?: NodeJS.Signals): Promise<void>
}

/** Forks bench/server.ts and waits until it is ready (not yet listening). */
export async function forkServer(): Promise<{
  child: ChildProcess
  /** Listens now, or at the wall-clock time `at` (ms since the epoch, timed by the child). */
  listen(mode: 'raw' | 'ws', port?: number, at?: number): Promise<ServerProcess>
}> {
  const child = fork(await script('server.ts'), [], {
    execArgv: [],
    stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
  })
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()))
  await new Promise<void>((resolve, reject) => {
    child.once('message', () => resolve())
    child.once('exit', (code) => reject(new Error(`server exited early (${code})`)))
  })
  return {
    child,
    listen: (mode, port = 0, at = 0) =>
      new Promise((resolve) => {
        child.once('message', (message: { listening: number; at: number }) =>
          resolve({
            child,
            port: message.listening,
            listeningAt: message.at,
            exited,
            kill: async (signal = 'SIGKILL') => {
              if (child.exitCode === null && child.signalCode === null) child.kill(signal)
              await exited
            },
          }),
        )
        child.send({ cmd: 'listen', mode, port, at })
      }),
  }
}

export async function startServer(mode: 'raw' | 'ws', port = 0): Promise<ServerProcess> {
  const forked = await forkServer()
  return forked.listen(mode, port)
}

export function machine() {
  const list = cpus()
  return {
    cpu: list[0]?.model ?? 'unknown',
    cores: list.length,
    memoryGiB: Math.round((totalmem() / 2 ** 30) * 10) / 10,
    node: process.version,
    platform: `${process.platform} ${process.arch}`,
    date: new Date().toISOString(),
  }
}

/** Runs a bench file as a child process with extra node flags; it prints one JSON line last. */
export async function runChild<T>(
  file: string,
  args: string[],
  nodeFlags: string[] = [],
): Promise<T> {
  const child = fork(await script(file), args, {
    execArgv: nodeFlags,
    stdio: ['ignore', 'pipe', 'inherit', 'ipc'],
  })
  let out = ''
  child.stdout?.on('data', (chunk: Buffer) => {
    out += chunk.toString()
  })
  const code = await new Promise<number | null>((resolve) => child.once('exit', resolve))
  const last = out.trim().split('\n').pop() ?? ''
  if (code !== 0) throw new Error(`${file} ${args.join(' ')} exited with ${code}: ${out}`)
  return JSON.parse(last) as T
}

const BREAKDOWN_START = '<!-- breakdown -->'
const BREAKDOWN_END = '<!-- /breakdown -->'

/**
 * The hand-measured breakdown (where the bytes go) in bench/RESULTS.md, between
 * its markers: a full run keeps it, before the closing note, since it does not
 * measure it. It carries its own date.
 */
export async function breakdownBlock(): Promise<string | undefined> {
  const current = await readFile(join(BENCH, 'RESULTS.md'), 'utf8').catch(() => '')
  const from = current.indexOf(BREAKDOWN_START)
  const to = current.indexOf(BREAKDOWN_END)
  return from >= 0 && to > from ? current.slice(from, to + BREAKDOWN_END.length) : undefined
}

export function withBreakdown(markdown: string, block: string | undefined): string {
  if (block === undefined) return markdown
  const closing = markdown.indexOf('## Closing note')
  return closing >= 0
    ? `${markdown.slice(0, closing)}${block}\n\n${markdown.slice(closing)}`
    : `${markdown}\n${block}\n`
}

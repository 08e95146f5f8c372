/**
 * The package as a user installs it, made once per test run and shared by every
 * test file that needs it: `npm pack` of a clean build (prepack's steps: the
 * build, then inspector/build.ts for the inspector page and heartline/devtools),
 * then `npm install <tarball> ws` into a fresh folder, from npm's local cache.
 *
 * Test files run in separate workers: the first to ask packs, under a lock (a
 * directory made atomically); the others wait for its `done.json` (watched, not
 * polled). vitest's global setup (test/helpers/pack-dir.ts) gives the run its
 * folder and removes it at the end.
 */
import { execFile } from 'node:child_process'
import {
  existsSync,
  mkdirSync,
  readFileSync,
  renameSync,
  symlinkSync,
  watch,
  writeFileSync,
} from 'node:fs'
import { join } from 'node:path'
import { promisify } from 'node:util'
import { inject } from 'vitest'
import { freshDist } from './dist.js'

const run = promisify(execFile)
export const ROOT = new URL('../..', import.meta.url).pathname

export interface Packed {
  /** The tarball. */
  tarball: string
  /** `npm pack --json`'s file list. */
  files: Array<{ path: string; size: number }>
  /** `npm pack`'s own summary: packed and unpacked size. */
  size: number
  unpackedSize: number
  /** A project with the tarball and ws installed (`type: module`). */
  app: string
}

/** Type packages a TypeScript user of each entry point has beside heartline, linked from this checkout. */
const TYPE_LINKS = ['@types/node', '@types/ws', '@types/react', 'react', 'ioredis']

async function make(dir: string): Promise<Packed> {
  // Never an old build of the code (npm test builds first, so this is usually a no-op).
  await freshDist(ROOT)
  // What prepack runs after the build (npm test builds first).
  await run(process.execPath, ['--import', 'tsx', 'inspector/build.ts'], { cwd: ROOT })
  const { stdout } = await run(
    'npm',
    ['pack', '--ignore-scripts', '--json', '--pack-destination', dir],
    { cwd: ROOT },
  )
  const [info] = JSON.parse(stdout) as Array<{
    filename: string
    files: Array<{ path: string; size: number }>
    size: number
    unpackedSize: number
  }>
  if (!info) throw new Error('npm pack printed nothing')
  const tarball = join(dir, info.filename)
  const app = join(dir, 'app')
  mkdirSync(app)
  writeFileSync(
    join(app, 'package.json'),
    '{ "name": "consumer", "private": true, "type": "module" }\n',
  )
  await run(
    'npm',
    ['install', '--prefer-offline', '--no-audit', '--no-fund', '--no-package-lock', tarball, 'ws'],
    { cwd: app },
  )
  for (const name of TYPE_LINKS) {
    const at = join(app, 'node_modules', name)
    if (existsSync(at)) continue
    mkdirSync(join(at, '..'), { recursive: true })
    symlinkSync(join(ROOT, 'node_modules', name), at, 'dir')
  }
  return {
    tarball,
    files: info.files,
    size: info.size,
    unpackedSize: info.unpackedSize,
    app,
  }
}

function waitForFile(dir: string, name: string): Promise<void> {
  return new Promise((resolve) => {
    const watcher = watch(dir, () => {
      if (existsSync(join(dir, name))) {
        watcher.close()
        resolve()
      }
    })
    // It may have landed between the caller's check and the watch.
    if (existsSync(join(dir, name))) {
      watcher.close()
      resolve()
    }
  })
}

let mine: Promise<Packed> | null = null

/** The packed and installed package, made by whichever test file asks first in this run. */
export function packed(): Promise<Packed> {
  mine ??= (async () => {
    const dir = inject('packDir')
    const done = join(dir, 'done.json')
    if (!existsSync(done)) {
      let owner = false
      try {
        mkdirSync(join(dir, 'lock'))
        owner = true
      } catch {
        await waitForFile(dir, 'done.json')
      }
      if (owner) {
        let result: Packed | { error: string }
        try {
          result = await make(dir)
        } catch (error) {
          result = { error: String((error as Error).stack ?? error) }
        }
        writeFileSync(`${done}.tmp`, JSON.stringify(result))
        renameSync(`${done}.tmp`, done)
      }
    }
    const result = JSON.parse(readFileSync(done, 'utf8')) as Packed | { error: string }
    if ('error' in result) throw new Error(`packing failed: ${result.error}`)
    return result
  })()
  return mine
}

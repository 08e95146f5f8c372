/**
 * The package as a user installs it, made once per test run and shared by every
 * test file that needs it: `npm pack` of a clean build (prepack's steps: the
 * build, then inspector/build.ts for the inspector page and heartline/devtools),
 * then `npm install <tarball> ws` into a fresh folder, from npm's local cache.
 *
 * The first test file to ask packs; the others wait for it (oncePerRun, in the
 * run's scratch folder).
 */
import { execFile } from 'node:child_process'
import { existsSync, mkdirSync, symlinkSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { promisify } from 'node:util'
import { offerBuiltInspectorPage } from './built-inspector.js'
import { freshDist } from './dist.js'
import { oncePerRun } from './once-per-run.js'

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
  // The same page the end-to-end tests serve (buildInspectorPage, PAGE_CONFIG): they
  // use this copy instead of building it again (test/helpers/built-inspector.ts).
  await offerBuiltInspectorPage(join(ROOT, 'dist/inspector/page'))
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

/** The packed and installed package, made by whichever test file asks first in this run. */
export function packed(): Promise<Packed> {
  return oncePerRun('packed', make)
}

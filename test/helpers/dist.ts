/**
 * The tests of the built package (npm pack, examples) must never test a dist/
 * older than the code: dist/ is rebuilt when it is missing or when any source
 * file, the build's tsconfig or package.json changed after it was built.
 */
import { execFile } from 'node:child_process'
import { existsSync, readdirSync, statSync } from 'node:fs'
import { join } from 'node:path'
import { promisify } from 'node:util'

const SOURCES = ['src', 'machines', 'tsconfig.build.json', 'tsconfig.json', 'package.json']

/** Every file under `path` (or `path` itself) with its modification time. */
function files(path: string): Array<{ path: string; mtime: number }> {
  if (!existsSync(path)) return []
  const stat = statSync(path)
  if (!stat.isDirectory()) return [{ path, mtime: stat.mtimeMs }]
  return readdirSync(path).flatMap((name) => files(join(path, name)))
}

/** Why dist/ under `root` is stale (a source newer than its oldest file), or undefined when fresh. */
export function staleDist(root: string): string | undefined {
  const built = files(join(root, 'dist'))
  if (!built.some((f) => f.path.endsWith(join('dist', 'src', 'index.js')))) return 'no dist/'
  const oldest = Math.min(...built.map((f) => f.mtime))
  const newer = SOURCES.flatMap((s) => files(join(root, s))).find((f) => f.mtime > oldest)
  return newer === undefined ? undefined : `${newer.path} is newer than dist/`
}

/** Builds dist/ (npm run build) unless it is fresh. */
export async function freshDist(root: string): Promise<void> {
  if (staleDist(root) === undefined) return
  await promisify(execFile)('npm', ['run', 'build'], { cwd: root, maxBuffer: 16 * 1024 * 1024 })
  const still = staleDist(root)
  if (still !== undefined) throw new Error(`dist/ still stale after npm run build: ${still}`)
}

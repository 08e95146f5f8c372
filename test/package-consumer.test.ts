/**
 * A stranger's project: the packed tarball installed with `npm install <tarball> ws`
 * into a fresh folder (test/helpers/packed.ts), then every entry point
 * type-checked as a Node user without the DOM lib would (lib es2022, types
 * node, skipLibCheck false), under moduleResolution node16 and bundler, and
 * imported from ESM.
 */
import { execFile } from 'node:child_process'
import { writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { promisify } from 'node:util'
import { beforeAll, describe, expect, it } from 'vitest'
import { type Packed, packed, ROOT } from './helpers/packed.js'

const run = promisify(execFile)
const TSC = join(ROOT, 'node_modules/typescript/bin/tsc')

const ENTRIES = [
  '.',
  './server',
  './react',
  './resume',
  './server/redis',
  './shared',
  './inspector',
  './devtools',
  './streams',
] as const

const specifier = (entry: string) => (entry === '.' ? 'heartline' : `heartline/${entry.slice(2)}`)

/** Uses a value and a type of every entry point, so each declaration file is read and checked. */
const USES_EVERY_ENTRY = `
import { createConnection, type CloseCause, type ConnectionOptions } from 'heartline'
import { attachHeartbeat, acceptSessions } from 'heartline/server'
import { useConnection } from 'heartline/react'
import { resume, sessionOf, type ResumeSession } from 'heartline/resume'
import { redisStore } from 'heartline/server/redis'
import { createSharedConnection, type SharedConnection } from 'heartline/shared'
import { inspectorBridge, toRecord, type InspectionRecord } from 'heartline/inspector'
import type { MountedInspector, MountInspectorOptions } from 'heartline/devtools'
import { toStreams, type ConnectionStreams } from 'heartline/streams'
import WebSocket from 'ws'

const options: ConnectionOptions = { WebSocket, heartbeat: { interval: 1000 } }
const conn = createConnection('ws://127.0.0.1:9', { ...options, resume: resume() })
conn.addEventListener('close', (event) => console.log(event.code), { once: true })
conn.addEventListener('message', { handleEvent: (event) => console.log(event.data) })
const session: ResumeSession | undefined = sessionOf(conn)
const cause: CloseCause | undefined = undefined
const shared: SharedConnection = createSharedConnection('ws://127.0.0.1:9', { name: 'x' })
const bridge = inspectorBridge('ws://127.0.0.1:5180/attach', { WebSocket })
const record: InspectionRecord | null = null
const devtools: MountInspectorOptions = { name: 'app' }
const streams: ConnectionStreams = toStreams(conn, { highWaterMark: 1 << 16 })
const load = async (): Promise<MountedInspector> =>
  (await import('heartline/devtools')).mountInspector(conn, devtools)
export const used = [
  attachHeartbeat, acceptSessions, useConnection, redisStore, toRecord,
  session, cause, shared, bridge, record, load, streams,
]
`

let pkg: Packed

beforeAll(async () => {
  pkg = await packed()
  writeFileSync(join(pkg.app, 'uses-every-entry.ts'), USES_EVERY_ENTRY)
}, 240_000)

describe('the installed tarball, type-checked without the DOM lib', () => {
  for (const [module, moduleResolution] of [
    ['node16', 'node16'],
    ['esnext', 'bundler'],
  ] as const) {
    // tsc reads all of @types/node and @types/react (skipLibCheck false): give it time on a loaded machine.
    it(`moduleResolution ${moduleResolution}: every entry point type-checks with lib es2022, types node, skipLibCheck false`, {
      timeout: 120_000,
    }, async () => {
      const config = join(pkg.app, `tsconfig.${moduleResolution}.json`)
      writeFileSync(
        config,
        JSON.stringify({
          compilerOptions: {
            target: 'es2022',
            module,
            moduleResolution,
            lib: ['es2022'],
            types: ['node'],
            skipLibCheck: false,
            strict: true,
            noEmit: true,
          },
          files: ['uses-every-entry.ts'],
        }),
      )
      const result = await run(process.execPath, [TSC, '-p', config], { cwd: pkg.app }).then(
        () => '',
        (error: { stdout?: string; message: string }) => error.stdout || error.message,
      )
      expect(result).toBe('')
    })
  }
})

describe('the installed tarball, imported from ESM', () => {
  it('every entry point loads in Node from ESM', async () => {
    const script = join(pkg.app, 'import-every-entry.mjs')
    writeFileSync(
      script,
      `
const out = {}
for (const entry of ${JSON.stringify(ENTRIES.map(specifier))}) {
  try { out[entry] = Object.keys(await import(entry)).sort().slice(0, 3) }
  catch (error) { out[entry] = error.code ?? error.message }
}
console.log(JSON.stringify(out))
`,
    )
    const { stdout } = await run(process.execPath, [script], { cwd: pkg.app })
    const out = JSON.parse(stdout) as Record<string, unknown>
    for (const entry of ENTRIES.map(specifier)) {
      expect(Array.isArray(out[entry]), `${entry}: ${JSON.stringify(out[entry])}`).toBe(true)
      expect((out[entry] as string[]).length, entry).toBeGreaterThan(0)
    }
    // react is linked into this project, as an app using heartline/react has it.
    expect(out['heartline/react']).toEqual(expect.arrayContaining(['useConnection']))
    // The devtools draw into a page; their module loads anywhere (no DOM use until mounted).
    expect(out['heartline/devtools']).toEqual(['mountInspector'])
  })
})

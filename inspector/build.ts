/**
 * What `npm pack` ships of the inspector, built by `prepack` after `npm run build`
 * (which compiles the server side, `inspector/cli.ts` and what it imports, into
 * dist/inspector/):
 *
 * - dist/inspector/page/: the page, built by Vite from the same sources and
 *   settings (`PAGE_CONFIG`) that `npm start` serves through Vite's dev server;
 *   `heartline inspect` serves these files as they are.
 * - dist/src/devtools/index.js: `heartline/devtools`, src/devtools/ with the
 *   inspector's panels (and elkjs, which lays out the chart) in one ES module.
 *   heartline's own code is not copied in: its imports point at the package's
 *   public entries (`heartline`, `heartline/inspector`, `heartline/resume`), so
 *   the app's copy is the one inspected. Its types are src/devtools/api.ts.
 *
 *   node --import tsx inspector/build.ts
 */
import { writeFileSync } from 'node:fs'
import { readFile } from 'node:fs/promises'
import { relative, resolve } from 'node:path'
import { build as esbuild, type Plugin } from 'esbuild'
import { buildInspectorPage } from './page-build.js'
import { PAGE_CONFIG } from './server.js'

const root = resolve(PAGE_CONFIG.root, '..')

await buildInspectorPage(resolve(root, 'dist/inspector/page'))
console.log('inspector page built into dist/inspector/page')

/** heartline's sources the devtools reach, by the public entry that exports what they use. */
const ENTRIES: Record<string, string> = {
  'src/index.ts': 'heartline',
  'machines/connection.ts': 'heartline',
  'src/inspector/index.ts': 'heartline/inspector',
  'src/resume/index.ts': 'heartline/resume',
}
/** Internal modules small enough to copy in (no state of their own). */
const COPIED = new Set(['src/describe.ts'])

const packageEntries: Plugin = {
  name: 'heartline-entries',
  setup(b) {
    b.onResolve({ filter: /\.css\?inline$/ }, (args) => ({
      path: resolve(args.resolveDir, args.path.replace(/\?inline$/, '')),
      namespace: 'css-text',
    }))
    b.onLoad({ filter: /.*/, namespace: 'css-text' }, async (args) => ({
      contents: await readFile(args.path, 'utf8'),
      loader: 'text',
    }))
    b.onResolve({ filter: /^\.\.?\// }, (args) => {
      const file = relative(root, resolve(args.resolveDir, args.path)).replace(/\.js$/, '.ts')
      const entry = ENTRIES[file]
      if (entry) return { path: entry, external: true }
      if (
        /^(src|machines)\//.test(file) &&
        !file.startsWith('src/devtools/') &&
        !COPIED.has(file)
      ) {
        return {
          errors: [
            { text: `devtools would copy ${file}; import it through a public entry (ENTRIES)` },
          ],
        }
      }
      return undefined
    })
  },
}

await esbuild({
  entryPoints: [resolve(root, 'src/devtools/index.ts')],
  outfile: resolve(root, 'dist/src/devtools/index.js'),
  bundle: true,
  format: 'esm',
  platform: 'browser',
  target: 'es2022',
  external: ['xstate', 'xstate/*'],
  plugins: [packageEntries],
  minify: true,
  legalComments: 'eof',
  logLevel: 'warning',
})
writeFileSync(resolve(root, 'dist/src/devtools/index.d.ts'), "export * from './api.js'\n")
console.log('heartline/devtools bundled into dist/src/devtools/index.js')

/**
 * What `npm pack` ships of the inspector, built by `prepack` after `npm run build`
 * (which compiles the server side, `inspector/cli.ts` and what it imports, into
 * dist/inspector/):
 *
 * - dist/inspector/page/: the page, built by Vite from the same sources and
 *   settings (`PAGE_CONFIG`) that `npm start` serves through Vite's dev server;
 *   `heartline inspect` serves these files as they are.
 *
 *   node --import tsx inspector/build.ts
 */
import { resolve } from 'node:path'
import { build } from 'vite'
import { PAGE_CONFIG } from './server.js'

const root = resolve(PAGE_CONFIG.root, '..')

await build({
  ...PAGE_CONFIG,
  // Relative asset URLs: the files are served from wherever the package sits.
  base: './',
  build: {
    outDir: resolve(root, 'dist/inspector/page'),
    emptyOutDir: true,
    // One page, opened locally: no point splitting elkjs into its own request.
    chunkSizeWarningLimit: 4096,
    reportCompressedSize: false,
  },
})
console.log('inspector page built into dist/inspector/page')

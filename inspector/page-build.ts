/**
 * The inspector page built by Vite into `outDir`, from the sources and settings
 * (`PAGE_CONFIG`) that `npm start` serves through Vite's dev server. Used by
 * `inspector/build.ts` at pack time (what `heartline inspect` serves) and by the
 * end-to-end tests, which build it once per run (test/helpers/built-inspector.ts).
 */
import { build } from 'vite'
import { PAGE_CONFIG } from './server.js'

export async function buildInspectorPage(outDir: string): Promise<void> {
  await build({
    ...PAGE_CONFIG,
    // Relative asset URLs: the files are served from wherever the package sits.
    base: './',
    build: {
      outDir,
      emptyOutDir: true,
      // One page, opened locally: no point splitting elkjs into its own request.
      chunkSizeWarningLimit: 4096,
      reportCompressedSize: false,
    },
  })
}

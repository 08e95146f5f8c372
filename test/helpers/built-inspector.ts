/**
 * The inspector for end-to-end tests: the server `npm start` runs (the demo
 * server behind its fault proxy, /control, /attach) on free ports, with the page
 * built by Vite once per test run from the sources and settings `npm start`
 * serves (inspector/page-build.ts), served as static files the way
 * `heartline inspect` serves its prebuilt copy. A Vite dev server per test file
 * cost seconds of start-up and of on-demand transforms per page load; a static
 * server costs nothing. The dev-server path itself is covered by the `npm start`
 * test in test/inspector.e2e.test.ts.
 *
 * In a full run the packed package (packed.ts) has built the same page for
 * dist/inspector/page before any browser file starts, and offers a copy: the
 * browser files then build nothing. The server and Vite are imported only when
 * used, so the package tests that offer the page do not load them.
 */
import { cpSync } from 'node:fs'
import { join } from 'node:path'
import type { InspectorServer } from '../../inspector/serve.js'
import { oncePerRun } from './once-per-run.js'

/** The folder of this run's built page, built by whichever test file asks first. */
export function builtInspectorPage(): Promise<string> {
  return oncePerRun('inspector-page', async (dir) => {
    const outDir = join(dir, 'inspector-page')
    // Vite is loaded only where the page is built here.
    const { buildInspectorPage } = await import('../../inspector/page-build.js')
    await buildInspectorPage(outDir)
    return outDir
  })
}

/**
 * Offers a page `buildInspectorPage` has just built elsewhere in this run (the
 * packed package's dist/inspector/page, test/helpers/packed.ts) as this run's
 * built page: a copy, so a later rebuild of dist/ cannot change it under a test.
 * No-op when the run already has one.
 */
export async function offerBuiltInspectorPage(from: string): Promise<void> {
  await oncePerRun('inspector-page', async (dir) => {
    const outDir = join(dir, 'inspector-page')
    cpSync(from, outDir, { recursive: true })
    return outDir
  })
}

/** `startInspector({ port: 0, wsPort: 0 })` with the built page instead of Vite's dev server. */
export async function startBuiltInspector(): Promise<InspectorServer> {
  const dir = await builtInspectorPage()
  const { serveInspector } = await import('../../inspector/serve.js')
  const { staticPage } = await import('../../inspector/static-page.js')
  return serveInspector({ port: 0, wsPort: 0, page: async () => staticPage(dir) })
}

/**
 * The inspector for end-to-end tests: the server `npm start` runs (the demo
 * server behind its fault proxy, /control, /attach) on free ports, with the page
 * built by Vite once per test run from the sources and settings `npm start`
 * serves (inspector/page-build.ts), served as static files the way
 * `heartline inspect` serves its prebuilt copy. A Vite dev server per test file
 * cost seconds of start-up and of on-demand transforms per page load; a static
 * server costs nothing. The dev-server path itself is covered by the `npm start`
 * test in test/inspector.e2e.test.ts.
 */
import { join } from 'node:path'
import { buildInspectorPage } from '../../inspector/page-build.js'
import { type InspectorServer, serveInspector } from '../../inspector/serve.js'
import { staticPage } from '../../inspector/static-page.js'
import { oncePerRun } from './once-per-run.js'

/** The folder of this run's built page, built by whichever test file asks first. */
export function builtInspectorPage(): Promise<string> {
  return oncePerRun('inspector-page', async (dir) => {
    const outDir = join(dir, 'inspector-page')
    await buildInspectorPage(outDir)
    return outDir
  })
}

/** `startInspector({ port: 0, wsPort: 0 })` with the built page instead of Vite's dev server. */
export async function startBuiltInspector(): Promise<InspectorServer> {
  const dir = await builtInspectorPage()
  return serveInspector({ port: 0, wsPort: 0, page: async () => staticPage(dir) })
}

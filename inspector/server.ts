/**
 * The inspector for this repository (`npm start`, the end-to-end tests): the
 * server of `serve.ts` with the demo server, and the page served by Vite's dev
 * server from its sources, with live reload (edit machines/ and the page
 * redraws). `heartline inspect` serves the same page, built by Vite at pack time
 * (`inspector/build.ts`), as static files.
 */
import { dirname, resolve } from 'node:path'
import { fileURLToPath } from 'node:url'
import { createServer as createViteServer } from 'vite'
import { type InspectorServer, type InspectorServerOptions, serveInspector } from './serve.js'

export type {
  FaultCommand,
  Faults,
  HandshakeCapture,
  InspectorServer,
  InspectorServerOptions,
} from './serve.js'

const here = dirname(fileURLToPath(import.meta.url))

/** The page's Vite settings, shared by the dev server and the build. */
export const PAGE_CONFIG = {
  root: here,
  configFile: false,
  logLevel: 'warn',
  clearScreen: false,
  appType: 'spa',
  // The package's `#dev` import points at the built files; the page runs the sources.
  resolve: { alias: { '#dev': resolve(here, '../src/dev.ts') } },
} as const

export function startInspector(
  options: Omit<InspectorServerOptions, 'page'> = {},
): Promise<InspectorServer> {
  return serveInspector({
    ...options,
    page: async (server) => {
      const vite = await createViteServer({
        ...PAGE_CONFIG,
        server: {
          middlewareMode: true,
          hmr: { server },
          fs: { allow: [resolve(here, '..')] },
        },
        optimizeDeps: {
          include: ['xstate', 'xstate/graph', 'elkjs/lib/elk.bundled.js'],
        },
      })
      return {
        handle: (req, res, next) => vite.middlewares(req, res, next),
        close: () => vite.close(),
      }
    },
  })
}

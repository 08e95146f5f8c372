/**
 * The page as `heartline inspect` serves it: the files Vite built at pack time
 * (`inspector/build.ts`), read from the package. No Vite, tsx or TypeScript at
 * run time; nothing is fetched from the network.
 */
import { readFile } from 'node:fs/promises'
import { extname, join, normalize, sep } from 'node:path'
import type { PageHandler } from './serve.js'

const TYPES: Record<string, string> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.json': 'application/json',
  '.svg': 'image/svg+xml',
}

/** Serves the files under `dir` (GET and HEAD only); `/` is index.html. */
export function staticPage(dir: string): PageHandler {
  const root = normalize(dir + sep)
  return {
    handle(req, res, next) {
      if (req.method !== 'GET' && req.method !== 'HEAD') return next()
      let path: string
      try {
        path = decodeURIComponent(new URL(req.url ?? '/', 'http://x').pathname)
      } catch {
        return next()
      }
      const file = normalize(join(root, path === '/' ? 'index.html' : path))
      // No way out of the page's folder (`..`, encoded or not).
      if (!file.startsWith(root)) return next()
      readFile(file).then(
        (body) => {
          res.writeHead(200, {
            'content-type': TYPES[extname(file)] ?? 'application/octet-stream',
            'content-length': body.byteLength,
            'cache-control': 'no-cache',
          })
          res.end(req.method === 'HEAD' ? undefined : body)
        },
        () => next(),
      )
    },
    close: async () => undefined,
  }
}

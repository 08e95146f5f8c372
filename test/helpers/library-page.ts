/**
 * A page on 127.0.0.1 (port 0) that loads heartline's main entry, bundled for the
 * browser by esbuild, as `window.heartline`, then sets `window.ready`.
 */
import { createServer } from 'node:http'
import type { AddressInfo } from 'node:net'
import { build } from 'esbuild'

export interface LibraryPage {
  /** The page's URL. */
  url: string
  close(): Promise<void>
}

/** `entry`: the module bundled as `window.heartline` (the main entry unless given). */
export async function serveLibraryPage(
  title: string,
  entry = new URL('../../src/index.ts', import.meta.url).pathname,
): Promise<LibraryPage> {
  const bundle = await build({
    entryPoints: [entry],
    bundle: true,
    format: 'esm',
    platform: 'browser',
    write: false,
  })
  const js = bundle.outputFiles[0]?.text ?? ''
  const http = createServer((req, res) => {
    if (req.url === '/heartline.js') {
      res.writeHead(200, { 'content-type': 'text/javascript' })
      res.end(js)
      return
    }
    res.writeHead(200, { 'content-type': 'text/html' })
    res.end(
      `<!doctype html><title>${title}</title><script type="module">import * as heartline from '/heartline.js'; window.heartline = heartline; window.ready = true</script>`,
    )
  })
  await new Promise<void>((resolve) => http.listen(0, '127.0.0.1', resolve))
  return {
    url: `http://127.0.0.1:${(http.address() as AddressInfo).port}/`,
    close: () => new Promise<void>((resolve) => http.close(() => resolve())),
  }
}

/**
 * The tests' Chromium: the run's shared one, or the file's own where no setup
 * started one. Its path and flags are in bench/chromium.ts (the benches read them too).
 */
import { mkdtempSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { type Browser, chromium, type Download } from 'playwright-core'
import { inject } from 'vitest'
import { launchOwnChromium } from '../../bench/chromium.js'

/**
 * The run's Chromium (started once by the browser project's global setup,
 * chromium-server.ts), or a browser of the file's own where no setup started one.
 * Either way `close()` ends what the file opened in it.
 */
export function launchChromium(): Promise<Browser> {
  const endpoint = inject('chromiumEndpoint')
  if (endpoint) return chromium.connect(endpoint)
  return launchOwnChromium()
}

/**
 * A copy of a finished download in a fresh temporary folder, under the name the
 * page gave it. `download.path()` works only in a browser launched by this
 * process; `saveAs` also in the run's shared one.
 */
export async function savedDownload(download: Download): Promise<string> {
  const path = join(
    mkdtempSync(join(tmpdir(), 'heartline-download-')),
    download.suggestedFilename(),
  )
  await download.saveAs(path)
  return path
}

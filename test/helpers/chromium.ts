/**
 * Debian's Chromium, driven by playwright-core: nothing here downloads a browser.
 * The flags keep it off the network (background services would try to reach
 * Google's hosts, which this machine refuses) and let it run as root headless.
 */
import { mkdtempSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { type Browser, chromium, type Download } from 'playwright-core'
import { inject } from 'vitest'

export const CHROMIUM_PATH = '/usr/bin/chromium'

export const CHROMIUM_ARGS = [
  '--headless',
  '--no-sandbox',
  '--disable-gpu',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
]

/**
 * The run's Chromium (started once by the browser project's global setup,
 * chromium-server.ts), or a browser of the file's own where no setup started one.
 * Either way `close()` ends what the file opened in it.
 */
export function launchChromium(): Promise<Browser> {
  const endpoint = inject('chromiumEndpoint')
  if (endpoint) return chromium.connect(endpoint)
  return chromium.launch({ executablePath: CHROMIUM_PATH, args: CHROMIUM_ARGS })
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

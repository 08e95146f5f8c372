/**
 * Debian's Chromium, driven by playwright-core: nothing here downloads a browser.
 * The flags keep it off the network (background services would try to reach
 * Google's hosts, which this machine refuses) and let it run as root headless.
 */
import { type Browser, chromium } from 'playwright-core'
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

/**
 * Debian's Chromium, driven by playwright-core: nothing here downloads a browser.
 * The one place for its path and flags, read by the benches and by the tests
 * (test/helpers/chromium.ts, chromium-server.ts). The flags keep it off the
 * network (background services would try to reach Google's hosts, which this
 * machine refuses) and let it run as root headless. No vitest here: the benches
 * run outside it.
 */
import { type Browser, chromium, type LaunchOptions } from 'playwright-core'

export const CHROMIUM_PATH = '/usr/bin/chromium'

export const CHROMIUM_ARGS: readonly string[] = [
  '--headless',
  '--no-sandbox',
  '--disable-gpu',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
]

/** Launch options for the browser: its path, the flags above, then `extraArgs`. */
export function chromiumOptions(extraArgs: readonly string[] = []): LaunchOptions {
  return { executablePath: CHROMIUM_PATH, args: [...CHROMIUM_ARGS, ...extraArgs] }
}

/** A Chromium of the caller's own; `close()` ends it. */
export function launchOwnChromium(extraArgs: readonly string[] = []): Promise<Browser> {
  return chromium.launch(chromiumOptions(extraArgs))
}

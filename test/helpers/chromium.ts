/**
 * Debian's Chromium, driven by playwright-core: nothing here downloads a browser.
 * The flags keep it off the network (background services would try to reach
 * Google's hosts, which this machine refuses) and let it run as root headless.
 */
import { type Browser, chromium } from 'playwright-core'

export const CHROMIUM_PATH = '/usr/bin/chromium'

export const CHROMIUM_ARGS = [
  '--headless',
  '--no-sandbox',
  '--disable-gpu',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
]

export function launchChromium(): Promise<Browser> {
  return chromium.launch({ executablePath: CHROMIUM_PATH, args: CHROMIUM_ARGS })
}

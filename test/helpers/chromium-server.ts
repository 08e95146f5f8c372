/**
 * vitest global setup of the browser project: one Chromium for the run
 * (playwright's browser server), which every browser test file connects to
 * (launchChromium in chromium.ts) instead of launching its own. Each file still
 * works in contexts of its own (a page from `browser.newPage()` has its own
 * context): no cookie, storage, lock or BroadcastChannel crosses from one file to
 * another, and `browser.close()` closes the file's contexts and disconnects.
 * Run only when the run has browser files.
 */
import { chromium } from 'playwright-core'
import type { TestProject } from 'vitest/node'
import { chromiumOptions } from '../../bench/chromium.js'

declare module 'vitest' {
  export interface ProvidedContext {
    /** The run's Chromium (a playwright browser server); unset where no setup launched one. */
    chromiumEndpoint?: string
  }
}

export default async function setup(project: TestProject) {
  const server = await chromium.launchServer(chromiumOptions())
  project.provide('chromiumEndpoint', server.wsEndpoint())
  return () => server.close()
}

/**
 * Reading the inspector page in end-to-end tests: the states its chart
 * highlighted (in order), and waiting for a sequence of them.
 */
import type { Page } from 'playwright-core'

/** Small timings so every fault plays out in about a second. */
export const FAST_TIMINGS = new URLSearchParams({
  'heartbeat.interval': '300',
  'heartbeat.timeout': '300',
  closeTimeout: '300',
  connectTimeout: '1500',
  'reconnect.initialDelay': '200',
  'reconnect.maxDelay': '200',
  'reconnect.factor': '1',
  'reconnect.jitter': 'none',
})

/** The leaf states the chart has highlighted so far, in order. */
export function shown(page: Page): Promise<string[]> {
  return page.evaluate(() => [
    ...(window as unknown as { __inspector: { shown: string[] } }).__inspector.shown,
  ])
}

/** Waits until the chart has highlighted `sequence` in order (not necessarily adjacent), after `from`. */
export async function waitForShown(
  page: Page,
  sequence: string[],
  from: number,
  timeout = 15_000,
): Promise<void> {
  try {
    await page.waitForFunction(
      ({ sequence, from }) => {
        const seen = (window as unknown as { __inspector: { shown: string[] } }).__inspector.shown
        let i = 0
        for (const name of seen.slice(from)) if (name === sequence[i]) i += 1
        return i === sequence.length
      },
      { sequence, from },
      { timeout, polling: 50 },
    )
  } catch (error) {
    throw new Error(
      `expected the chart to highlight ${sequence.join(' → ')} after #${from}; it showed ${(await shown(page)).slice(from).join(' → ')}\n${(error as Error).message}`,
    )
  }
}

/** Waits for a full heartbeat cycle (ping answered) on the chart; returns the position after it. */
export async function healthy(page: Page): Promise<number> {
  const from = (await shown(page)).length
  await waitForShown(page, ['awaitingPong', 'open'], from)
  return (await shown(page)).length
}

export async function activeLeaf(page: Page): Promise<string | null> {
  return page.evaluate(
    () => document.querySelector('#chart .state.leaf.active')?.getAttribute('data-node-id') ?? null,
  )
}

/**
 * Something made once per test run and shared by every test file that asks for
 * it (the packed package, the built inspector page), in the run's scratch folder
 * that vitest's global setup (test/helpers/pack-dir.ts) gives and removes.
 *
 * Test files run in separate workers: the first to ask makes it, under a lock (a
 * directory made atomically); the others wait for its `<name>.json` (watched, not
 * polled). A failure is recorded too, so every file that asked reports it.
 */
import { existsSync, mkdirSync, readFileSync, renameSync, watch, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { inject } from 'vitest'

function waitForFile(dir: string, name: string): Promise<void> {
  return new Promise((resolve) => {
    const watcher = watch(dir, () => {
      if (existsSync(join(dir, name))) {
        watcher.close()
        resolve()
      }
    })
    // It may have landed between the caller's check and the watch.
    if (existsSync(join(dir, name))) {
      watcher.close()
      resolve()
    }
  })
}

const mine = new Map<string, Promise<unknown>>()

/**
 * `make(dir)`'s result (JSON), made by whichever test file asks first in this run.
 * `name` tells the things apart; `make` writes what it needs under `dir`.
 */
export function oncePerRun<T>(name: string, make: (dir: string) => Promise<T>): Promise<T> {
  let result = mine.get(name) as Promise<T> | undefined
  if (!result) {
    result = (async () => {
      const dir = inject('packDir')
      const doneName = `${name}.json`
      const done = join(dir, doneName)
      if (!existsSync(done)) {
        let owner = false
        try {
          mkdirSync(join(dir, `${name}.lock`))
          owner = true
        } catch {
          await waitForFile(dir, doneName)
        }
        if (owner) {
          let made: { value: T } | { error: string }
          try {
            made = { value: await make(dir) }
          } catch (error) {
            made = { error: String((error as Error).stack ?? error) }
          }
          writeFileSync(`${done}.tmp`, JSON.stringify(made))
          renameSync(`${done}.tmp`, done)
        }
      }
      const made = JSON.parse(readFileSync(done, 'utf8')) as { value: T } | { error: string }
      if ('error' in made) throw new Error(`${name} failed: ${made.error}`)
      return made.value
    })()
    mine.set(name, result)
  }
  return result
}

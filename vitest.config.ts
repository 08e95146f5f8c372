import { fileURLToPath } from 'node:url'
import { defineConfig } from 'vitest/config'

const shared = { testTimeout: 30_000, hookTimeout: 30_000 }

/** Files that drive Chromium or bundle pages: heavy on a 2-core machine. */
const heavy = [
  'test/**/*.e2e.test.ts',
  'test/browser-*.test.ts',
  'test/examples.test.ts',
  'test/docs.test.ts',
]

/**
 * The package's `#dev` import (package.json "imports") points at the built files;
 * tests run the sources. Each project sets it: projects do not inherit the root's.
 */
const resolve = { alias: { '#dev': fileURLToPath(new URL('src/dev.ts', import.meta.url)) } }

export default defineConfig({
  test: {
    projects: [
      {
        resolve,
        test: {
          ...shared,
          name: 'unit',
          include: ['test/**/*.test.{ts,tsx}'],
          exclude: heavy,
        },
      },
      {
        resolve,
        // Browser tests run after the rest: Chromium's load would skew the
        // real-time measurements of the integration tests running beside it.
        test: {
          ...shared,
          // A loaded machine slows the page; every wait inside has its own bound.
          testTimeout: 60_000,
          hookTimeout: 60_000,
          name: 'e2e',
          include: heavy,
          sequence: { groupOrder: 1 },
        },
      },
    ],
  },
})

import { defineConfig } from 'vitest/config'

const shared = { testTimeout: 30_000, hookTimeout: 30_000 }

/** Files that drive Chromium or bundle pages: heavy on a 2-core machine. */
const heavy = [
  'test/**/*.e2e.test.ts',
  'test/browser-*.test.ts',
  'test/examples.test.ts',
  'test/docs.test.ts',
]

export default defineConfig({
  test: {
    // On in `npm test` (`vitest run --coverage`); a single file run stays fast and
    // is not held to the floors below. Code that runs in Chromium or in a child
    // process is not measured: this is V8 coverage of the test process.
    coverage: {
      provider: 'v8',
      include: ['machines/**/*.ts', 'src/**/*.{ts,tsx}'],
      reporter: ['text-summary', 'json-summary', 'text'],
      reportsDirectory: 'coverage',
      // The figures are worth reading when a test failed too.
      reportOnFailure: true,
      // Floors per folder at what the suite reaches (rounded down to the whole
      // percent). Raise them as coverage grows; never lower one.
      thresholds: {},
    },
    projects: [
      {
        test: {
          ...shared,
          name: 'unit',
          include: ['test/**/*.test.{ts,tsx}'],
          exclude: heavy,
        },
      },
      {
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

import { fileURLToPath } from 'node:url'
import { defineConfig } from 'vitest/config'

const shared = { testTimeout: 30_000, hookTimeout: 30_000 }

/**
 * Files that drive Chromium or bundle pages: heavy on a 2-core machine.
 * (test/docs.test.ts, TypeDoc over the sources, is a unit file: it measures no
 * time, so it runs beside another file, like the package tests' tsc runs.)
 */
const heavy = ['test/**/*.e2e.test.ts', 'test/browser-*.test.ts', 'test/examples.test.ts']

/**
 * Node files that measure real time (a frozen server's detection bound, a sweep on
 * real timers, throughput): they run one at a time, after the other unit files,
 * so that no test file beside them takes the CPU their timers need.
 */
const timing = [
  'test/integration.test.ts',
  'test/faults.test.ts',
  'test/harness.test.ts',
  'test/data-path.test.ts',
  'test/server.test.ts',
  'test/resume-faults.test.ts',
  'test/interop-client.test.ts',
]

/**
 * The package's `#dev` import (package.json "imports") points at the built files;
 * tests run the sources. Each project sets it: projects do not inherit the root's.
 */
const resolve = { alias: { '#dev': fileURLToPath(new URL('src/dev.ts', import.meta.url)) } }

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
      // Measured on the unit project alone (Chromium runs the browser tests' copy
      // of the code, out of V8's sight in this process), so the full run is above.
      thresholds: {
        'machines/**': { statements: 97, branches: 89, functions: 99, lines: 99 },
        'src/*.{ts,tsx}': { statements: 96, branches: 93, functions: 97, lines: 98 },
        'src/server/**': { statements: 87, branches: 80, functions: 88, lines: 91 },
        'src/resume/**': { statements: 94, branches: 87, functions: 100, lines: 96 },
        'src/shared/**': { statements: 71, branches: 53, functions: 71, lines: 72 },
      },
    },
    // One packed package per run, for every test file that installs it (test/helpers/packed.ts).
    globalSetup: ['test/helpers/pack-dir.ts'],
    projects: [
      {
        resolve,
        test: {
          ...shared,
          name: 'unit',
          include: ['test/**/*.test.{ts,tsx}'],
          exclude: [...heavy, ...timing],
          // Fake clocks, servers on loopback and child processes: two files at a
          // time keep both cores busy (vitest's default on 2 cores is one).
          maxWorkers: 2,
        },
      },
      {
        resolve,
        test: {
          ...shared,
          name: 'timing',
          include: timing,
          maxWorkers: 1,
          sequence: { groupOrder: 1 },
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
          // One Chromium for the run: each file connects to it (test/helpers/chromium.ts).
          globalSetup: ['test/helpers/chromium-server.ts'],
          // vitest's default worker count (one on 2 cores): two browser files side by
          // side cut this project's wall time by a third on a loaded 2-core machine but
          // made the real-time browser checks (a 200 ms heartbeat, a blocked main thread)
          // fail there, so they stay one at a time.
          sequence: { groupOrder: 2 },
          // One worker runs the files one after another and keeps its loaded modules
          // (vite, playwright-core, xstate, the sources) from file to file instead of
          // loading them again for each: 1 to 2 s a file. Each file still opens and
          // closes its own servers, contexts and pages in its hooks; none of them
          // mocks a module, stubs a global or changes process-wide state.
          isolate: false,
        },
      },
    ],
  },
})

#!/usr/bin/env node
// `heartline inspect`: see dist/inspector/cli.js (inspector/cli.ts in the repository).
import { main } from '../dist/inspector/cli.js'

const outcome = await main(process.argv.slice(2))
if ('exit' in outcome) {
  process.exitCode = outcome.exit
} else {
  const stop = () => {
    outcome.serving().then(() => process.exit(0))
  }
  process.once('SIGINT', stop)
  process.once('SIGTERM', stop)
}

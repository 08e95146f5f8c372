/** Re-renders bench/RESULTS.md from bench/results.json (after editing the report, without rerunning). */
import { readFile, writeFile } from 'node:fs/promises'
import { join } from 'node:path'
import { BENCH, breakdownBlock, withBreakdown } from './lib.js'
import { renderMarkdown } from './report.js'
import type { Results } from './run.js'

const file = process.argv.includes('--quick') ? 'results.quick.json' : 'results.json'
const results = JSON.parse(await readFile(join(BENCH, file), 'utf8')) as Results
// The hand-measured breakdown is kept, as a full run keeps it.
const markdown = withBreakdown(renderMarkdown(results), await breakdownBlock())
await writeFile(join(BENCH, file === 'results.json' ? 'RESULTS.md' : 'RESULTS.quick.md'), markdown)
process.stdout.write(markdown)

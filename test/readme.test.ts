import { readFileSync } from 'node:fs'
import { describe, expect, it } from 'vitest'
import {
  OPTIONS_DOC,
  optionRows,
  optionsTable,
  README,
  renderOptionsDoc,
  renderReadme,
} from '../scripts/readme.js'
import { createConnection, DEFAULTS } from '../src/index.js'

const source = readFileSync(new URL('../src/options.ts', import.meta.url), 'utf8')

describe('README options table', () => {
  it('is exactly what `npm run readme` generates from src/options.ts', () => {
    const readme = readFileSync(README, 'utf8')
    const expected = renderReadme(readme)
    // On failure: run `npm run readme` and commit README.md.
    expect(readme, 'README.md has drifted from src/options.ts: run `npm run readme`').toBe(expected)
  })

  it('docs/options.md is exactly what `npm run readme` generates from src/options.ts', () => {
    const doc = readFileSync(OPTIONS_DOC, 'utf8')
    // On failure: run `npm run readme` and commit docs/options.md.
    expect(doc, 'docs/options.md has drifted from src/options.ts: run `npm run readme`').toBe(
      renderOptionsDoc(doc),
    )
  })

  it('README.md stays a page for users: at most 15 KB, with a table of contents', () => {
    const readme = readFileSync(README, 'utf8')
    expect(Buffer.byteLength(readme)).toBeLessThanOrEqual(15 * 1024)
    expect(readme).toContain('## Contents')
  })

  it('changes when a JSDoc @default changes (the check can fail)', () => {
    const edited = source.replace('@default 15000', '@default 16000')
    expect(edited).not.toBe(source)
    expect(optionsTable(edited)).not.toBe(optionsTable(source))
    expect(optionsTable(edited)).toContain('| `heartbeat.interval` | `number` | `16000` |')
  })

  it('lists every option resolveOptions accepts, and nothing else', () => {
    let message = ''
    try {
      createConnection('ws://127.0.0.1:1', { bogus: 1 } as never)
    } catch (error) {
      message = (error as Error).message
    }
    const known = /known options are (.*)\.$/.exec(message)?.[1]?.split(', ')
    expect(known?.length).toBeGreaterThan(5)
    const topLevel = optionRows(source)
      .map((row) => row.name)
      .filter((name) => !name.includes('.'))
    expect([...topLevel].sort()).toEqual([...(known ?? [])].sort())
  })

  it('documents the defaults DEFAULTS actually holds', () => {
    let checked = 0
    for (const row of optionRows(source)) {
      let value: unknown = DEFAULTS
      for (const part of row.name.split('.')) {
        value = (value as Record<string, unknown> | undefined)?.[part]
      }
      if (typeof value === 'number') {
        expect(row.defaultText, row.name).toBe(String(value))
        checked++
      } else if (typeof value === 'string') {
        expect(row.defaultText, row.name).toBe(`'${value}'`)
        checked++
      } else if (typeof value === 'boolean') {
        expect(row.defaultText, row.name).toBe(String(value))
        checked++
      }
    }
    expect(checked).toBeGreaterThanOrEqual(12)
  })
})

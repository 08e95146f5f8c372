/**
 * The API reference builds from the JSDoc without a warning (TypeDoc treats
 * warnings as errors here: an unexported type in a public signature or a broken
 * link fails). `--emit none` validates without writing docs/api.
 */
import { execFile } from 'node:child_process'
import { fileURLToPath } from 'node:url'
import { expect, it } from 'vitest'

const root = fileURLToPath(new URL('..', import.meta.url))

it('npm run docs: TypeDoc builds the API reference with no warning', async () => {
  const result = await new Promise<{ code: number; output: string }>((resolve) => {
    execFile(
      process.execPath,
      [`${root}node_modules/typedoc/bin/typedoc`, '--emit', 'none'],
      { cwd: root },
      (error, stdout, stderr) => {
        const code = error ? ((error as { code?: number }).code ?? 1) : 0
        resolve({ code, output: stdout + stderr })
      },
    )
  })
  expect(result.output).not.toMatch(/\[warning\]|\[error\]/)
  expect(result.code).toBe(0)
}, 120_000)

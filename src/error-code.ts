/**
 * The message an error carries in a production build (see `dev.ts`): its code,
 * what it concerns when that is a name (an option, an argument), and where the
 * full message stands. Every code has its entry in docs/errors.md, in the words
 * a development build throws.
 */

/** @internal */
export function coded(code: string, subject?: string): string {
  return `heartline error ${code}${subject === undefined ? '' : ` \`${subject}\``} (docs/errors.md#${code.toLowerCase()})`
}

/**
 * Whether this is a development build: full error messages, or the short codes
 * of docs/errors.md. Modules import it as `#dev` (package.json "imports"). This
 * file is what Node and a page without a bundler run: Node reads `NODE_ENV` at
 * run time, and a page with no bundler has no `process` at all, so it keeps the
 * full messages (it maps `#dev` to this file in its import map, as it maps
 * `xstate`).
 *
 * A bundler building for the browser takes `dev.browser.ts` instead (the
 * `browser` condition of `#dev`): there `process` is undefined at run time too,
 * so a `typeof process` test would decide at run time and leave the messages in
 * a production bundle; the bare `process.env.NODE_ENV` that bundlers replace
 * folds to a constant, and the messages behind `DEV ?` are dropped.
 *
 * It also carries the message path and the event target: here the full ones
 * (heartline's own events over `ws`, Node's late-listener deferral; both stand
 * aside in a browser), in `dev.browser.ts` the browser's only, so a bundle
 * built for the browser leaves Node's out.
 *
 * Write each message as one expression behind `DEV ?`: esbuild folds an imported
 * constant only when it prints the bundle, after tree shaking, so a helper
 * function called only from messages stays in a production bundle.
 */
/** @internal */
export { StandardEventTarget } from './event-target.js'
/** @internal */
export { MessageListeners } from './inbound.js'
/** @internal */
export const DEV: boolean = typeof process === 'undefined' || process.env.NODE_ENV !== 'production'

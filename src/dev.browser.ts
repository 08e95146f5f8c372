/**
 * `#dev` for bundlers that build for the browser (its `browser` condition in
 * package.json "imports"): they replace `process.env.NODE_ENV` (esbuild, Vite
 * and webpack do for apps), so `DEV` is a constant and production bundles drop
 * every full message. See `dev.ts`.
 */
/** @internal */
export const DEV: boolean = process.env.NODE_ENV !== 'production'

/** A stylesheet's text (Vite's `?inline`; the devtools bundle loads it as text). */
declare module '*.css?inline' {
  const css: string
  export default css
}

/**
 * The rows where heartline's Connection does not yet behave like the reference,
 * by runner. Delete an id once the Connection matches: the conformance tests
 * fail both when a row outside this list differs and when a listed row starts
 * matching, so the list always says exactly what is left to do.
 */
export const KNOWN_DIFFERENCES: { chromium: string[]; node: string[] } = {
  chromium: [],
  node: [],
}

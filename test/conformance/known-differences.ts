/**
 * The rows where heartline's Connection does not yet behave like the reference,
 * by runner. Delete an id once the Connection matches: the conformance tests
 * fail both when a row outside this list differs and when a listed row starts
 * matching, so the list always says exactly what is left to do.
 */
export const KNOWN_DIFFERENCES: { chromium: string[]; node: string[] } = {
  chromium: [
    'url.fragment',
    'url.empty-fragment',
    'url.scheme-ftp',
    'url.scheme-file',
    'url.scheme-data',
    'url.invalid',
    'url.relative',
    'url.relative-name',
    'url.empty',
    'protocols.duplicate',
    'protocols.space',
    'protocols.comma',
    'protocols.empty-string',
    'protocols.non-ascii',
    'protocols.control',
    'protocols.separator',
    'ev.error',
    'close.no-code',
    'close.undefined-code',
    'close.reason-only',
    'close.fraction',
    'close.fraction-up',
    'close.string-code',
    'close.reason-number',
    'close.while-connecting',
  ],
  node: ['close.no-code', 'close.undefined-code', 'close.while-connecting'],
}

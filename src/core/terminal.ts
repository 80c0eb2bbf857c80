// Text the user gave, made safe to print: a control character or escape sequence in an argument (ESC[31m,
// a bell, a carriage return that overwrites the line, bidi overrides) is shown as an escape (\x1b, \u202e),
// never sent to the terminal raw. Pure; used wherever emovoice echoes input (error and warning lines,
// phonemize's sentences).

// C0 and C1 controls (except none: tab and newline are escaped too, so a line stays one line), DEL, and
// the invisible format characters that reorder or hide text (bidi embeddings/overrides/isolates).
// eslint-disable-next-line no-control-regex
const UNSAFE = /[\u0000-\u001f\u007f-\u009f\u200e\u200f\u202a-\u202e\u2066-\u2069]/g;

/** `s` with every control character written as an escape (\x1b, \n, \u202e). */
export function escapeControls(s: string): string {
  return s.replace(UNSAFE, (c) => {
    const n = c.codePointAt(0)!;
    if (c === '\n') return '\\n';
    if (c === '\t') return '\\t';
    if (c === '\r') return '\\r';
    return n <= 0xff ? `\\x${n.toString(16).padStart(2, '0')}` : `\\u${n.toString(16).padStart(4, '0')}`;
  });
}

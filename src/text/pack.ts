// Packing text that is too long for a model into parts that fit, never truncating: cut after the
// coarsest boundaries first (each frontend gives its own list: sentence ends, clause marks, spaces, …),
// pack the pieces greedily into parts that fit, and cut a piece that still does not fit at the next finer
// boundary. Pure: `fits` measures a part the way its caller's model counts (phonemes, word pieces).

/** The text cut after every match of `re` (empty matches cut too; empty pieces are dropped). */
export function cutAfter(text: string, re: RegExp): string[] {
  const out: string[] = [];
  let start = 0;
  for (const m of text.matchAll(re)) {
    const end = m.index + m[0].length;
    if (end > start) {
      out.push(text.slice(start, end));
      start = end;
    }
  }
  if (start < text.length) out.push(text.slice(start));
  return out;
}

/**
 * Parts that each fit, whose concatenation is the text. `cuts` are global regular expressions, coarsest
 * first; `tooLong` makes the error for a piece that no cut can make fit.
 */
export function packToFit(text: string, fits: (part: string) => boolean, cuts: readonly RegExp[], tooLong: (piece: string) => Error): string[] {
  const split = (t: string, level: number): string[] => {
    if (fits(t)) return [t];
    if (level >= cuts.length) throw tooLong(t);
    const pieces = cutAfter(t, cuts[level]!);
    if (pieces.length <= 1) return split(t, level + 1);
    const out: string[] = [];
    let cur = '';
    for (const p of pieces) {
      if (cur && !fits(cur + p)) {
        out.push(...split(cur, level + 1));
        cur = p;
      } else cur += p;
    }
    if (cur) out.push(...split(cur, level + 1));
    return out;
  };
  return split(text, 0);
}

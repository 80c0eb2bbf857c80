// Splitting text that is too long for the model into parts that fit, never truncating (EmotiVoice
// itself has no limit check: text over BERT's 512 positions fails inside the encoder, its issue #139).
// Cut points, coarsest first: after sentence ends (。！？!? … and a "." before a space), after clause
// marks (，,；;：:、), at spaces, and last between any two characters. At each level the pieces are
// packed greedily into parts that fit. The parts, concatenated, are the input; each is trimmed.
// Pure: `fits` says whether a part is short enough (the caller measures its tokens and word pieces).
import { UserError } from '../../core/errors.ts';

const LEVELS: RegExp[] = [
  /(?:[。！？!?…]+|\.+(?=\s|$))["'”’」』）)\]]*\s*/gu,
  /[，,；;：:、]\s*/gu,
  /\s+/gu,
  /(?:)/gu, // between every two code points
];

function cutAfter(text: string, re: RegExp): string[] {
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

export function splitToFit(text: string, fits: (part: string) => boolean, what: string): string[] {
  const split = (t: string, level: number): string[] => {
    if (fits(t)) return [t];
    if (level >= LEVELS.length) {
      throw new UserError(`"${t.trim().slice(0, 20)}" alone is longer than the model takes (${what})`, {
        hint: 'raise the limit (serving.max_text_len in the profile) or shorten the text',
      });
    }
    const pieces = cutAfter(t, LEVELS[level]!);
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
  return split(text, 0)
    .map((p) => p.trim())
    .filter((p) => p !== '');
}

// Split (already normalised) text into runs: English words, Chinese runs and punctuation, and give
// each punctuation run a pause kind. This only decides *where* things are; pronouncing them is
// english.ts / mandarin.ts, and turning pauses into symbols is frontend.ts. Pure.
//
// Pause kinds (a run of several marks takes the strongest one):
//   long  — sentence end: . ! ? 。 ！ ？ …
//   short — clause marks: , ; : 、 ， ； ： and dashes, brackets, ~
//   none  — quotes and joiners (" “ ” ‘ ’ ' 「 」 『 』 【 】 〈 〉 《 》 · / \ |): a word boundary only.
// Anything else that is a letter, digit or symbol (another script, emoji) is reported by `unreadable`, so the
// caller can warn about it; it is never dropped silently.

export type PauseKind = 'long' | 'short' | 'none';

export type Segment =
  | { kind: 'en'; text: string }
  | { kind: 'zh'; text: string }
  | { kind: 'punct'; text: string; pause: PauseKind };

/** CJK unified ideographs (basic block + extension A) — what pinyin-pro reads. */
export const CJK_CLASS = String.raw`\u3400-\u4dbf\u4e00-\u9fff`;
export const CJK = new RegExp(`[${CJK_CLASS}]`);

const LONG = '.!?。！？…';
const SHORT = ',;:、，；：—–-()（）[]{}~～';
const NONE = `"“”‘’'「」『』【】〈〉《》·/\\|`;
const escape = (s: string) => s.replace(/[\\\]\[^-]/g, '\\$&');

// English word (letters with ' ’ or - inside) | CJK run | run of punctuation marks.
const SEGMENT = new RegExp(
  String.raw`([A-Za-z]+(?:['’\-][A-Za-z]+)*)|([${CJK_CLASS}]+)|([` + escape(LONG + SHORT + NONE) + ']+)',
  'gu',
);

export function pauseKind(marks: string): PauseKind {
  let kind: PauseKind = 'none';
  for (const ch of marks) {
    if (LONG.includes(ch)) return 'long';
    if (SHORT.includes(ch)) kind = 'short';
  }
  return kind;
}

export function segmentText(text: string): Segment[] {
  const out: Segment[] = [];
  for (const m of text.matchAll(SEGMENT)) {
    if (m[1]) out.push({ kind: 'en', text: m[1].replace(/’/g, "'") });
    else if (m[2]) out.push({ kind: 'zh', text: m[2] });
    else out.push({ kind: 'punct', text: m[3]!, pause: pauseKind(m[3]!) });
  }
  return out;
}

/** Letters, digits and symbols `segmentText` does not cover (kana, Cyrillic, CJK extension B, ♥, emoji …), each once. */
export function unreadable(text: string): string[] {
  return [...new Set(text.replace(SEGMENT, '').match(/[\p{L}\p{N}\p{S}]/gu) ?? [])];
}

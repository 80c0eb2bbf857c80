// Word error rate between a reference text and a recogniser's transcript, after a Whisper-style English
// normalisation so that spelling choices are not counted as errors ("Mr." = "mister", "10" = "ten",
// "wasn't" = "was not", "ill-disposed" = "ill disposed", punctuation and case ignored). Pure.
// Written from the behaviour of Whisper's EnglishTextNormalizer (not a copy): titles, contractions,
// fillers, bracketed asides, symbols and diacritics, number words as digits. Not done: British/American
// spelling and ordinals.

const TITLES: [RegExp, string][] = [
  [/\bmr\b/g, 'mister'],
  [/\bmrs\b/g, 'missus'],
  [/\bms\b/g, 'miss'],
  [/\bdr\b/g, 'doctor'],
  [/\bst\b/g, 'saint'],
  [/\bjr\b/g, 'junior'],
  [/\bsr\b/g, 'senior'],
  [/\bprof\b/g, 'professor'],
];

const CONTRACTIONS: [RegExp, string][] = [
  [/\bwon't\b/g, 'will not'],
  [/\bcan't\b/g, 'can not'],
  [/\bcannot\b/g, 'can not'],
  [/\blet's\b/g, 'let us'],
  [/\bain't\b/g, 'is not'],
  [/n't\b/g, ' not'],
  [/'re\b/g, ' are'],
  [/'ll\b/g, ' will'],
  [/'ve\b/g, ' have'],
  [/'m\b/g, ' am'],
];

const FILLERS = new Set(['hmm', 'mm', 'mhm', 'mmm', 'uh', 'um', 'er', 'ah']);

const UNITS: Record<string, number> = {
  zero: 0, one: 1, two: 2, three: 3, four: 4, five: 5, six: 6, seven: 7, eight: 8, nine: 9, ten: 10,
  eleven: 11, twelve: 12, thirteen: 13, fourteen: 14, fifteen: 15, sixteen: 16, seventeen: 17, eighteen: 18, nineteen: 19,
};
const TENS: Record<string, number> = { twenty: 20, thirty: 30, forty: 40, fifty: 50, sixty: 60, seventy: 70, eighty: 80, ninety: 90 };
const SCALES: Record<string, number> = { thousand: 1e3, million: 1e6, billion: 1e9 };

/** Number words → digits: "one hundred and five" → "105", "twenty four" → "24", "twenty twenty" → "20 20". */
export function numbersAsDigits(words: string[]): string[] {
  const out: string[] = [];
  let total = 0;
  let current = 0;
  let inNumber = false;
  const flush = () => {
    if (inNumber) out.push(String(total + current));
    total = 0;
    current = 0;
    inNumber = false;
  };
  for (let i = 0; i < words.length; i++) {
    const w = words[i]!;
    const isNum = (x: string | undefined) => x !== undefined && (x in UNITS || x in TENS || x === 'hundred' || x in SCALES);
    if (w in UNITS || w in TENS) {
      const v = (UNITS[w] ?? TENS[w])!;
      // a new number starts where this word cannot extend the current one ("twenty twenty", "one two")
      const clash = inNumber && (w in TENS ? current % 100 !== 0 : current % 10 !== 0 || (current % 100 >= 10 && current % 100 < 20));
      if (clash) flush();
      current += v;
      inNumber = true;
    } else if (w === 'hundred' && inNumber) {
      current = (current || 1) * 100;
    } else if (w in SCALES && inNumber) {
      total += (current || 1) * SCALES[w]!;
      current = 0;
    } else if (w === 'and' && inNumber && isNum(words[i + 1]) && (current >= 100 || total > 0)) {
      continue; // "one hundred and five"
    } else {
      flush();
      out.push(w);
    }
  }
  flush();
  return out;
}

/** The words of a text as Whisper's English normaliser would compare them. */
export function normalizeWords(text: string): string[] {
  let s = text.toLowerCase().replace(/[’‘`]/g, "'");
  s = s.replace(/\[[^\]]*\]|\([^)]*\)/g, ' ');
  for (const [re, to] of TITLES) s = s.replace(re, to);
  for (const [re, to] of CONTRACTIONS) s = s.replace(re, to);
  s = s.replace(/(\d),(\d{3})\b/g, '$1$2'); // 1,000 → 1000
  s = s.normalize('NFKD').replace(/\p{M}/gu, ''); // diacritics
  // symbols and punctuation become spaces; a decimal point and a percent sign are kept
  s = s.replace(/(\d)\.(\d)/g, '$1\u0000$2').replace(/[^\p{L}\p{N}%\u0000]+/gu, ' ').replace(/\u0000/g, '.');
  const words = s.split(' ').filter((w) => w !== '' && !FILLERS.has(w));
  return numbersAsDigits(words);
}

export interface WordErrors {
  substitutions: number;
  deletions: number;
  insertions: number;
  /** Words in the normalised reference. */
  referenceWords: number;
  /** (S + D + I) / max(reference words, 1). */
  wer: number;
}

/** Edit distance over words, split into substitutions, deletions and insertions. */
export function wordErrors(reference: string, hypothesis: string): WordErrors {
  const r = normalizeWords(reference);
  const h = normalizeWords(hypothesis);
  // cost[i][j] and the ops that reach it, one row at a time
  type Cell = { cost: number; s: number; d: number; i: number };
  let prev: Cell[] = Array.from({ length: h.length + 1 }, (_, j) => ({ cost: j, s: 0, d: 0, i: j }));
  for (let i = 1; i <= r.length; i++) {
    const row: Cell[] = [{ cost: i, s: 0, d: i, i: 0 }];
    for (let j = 1; j <= h.length; j++) {
      const diag = prev[j - 1]!;
      const same = r[i - 1] === h[j - 1];
      const options: Cell[] = [
        { ...diag, cost: diag.cost + (same ? 0 : 1), s: diag.s + (same ? 0 : 1) },
        { ...prev[j]!, cost: prev[j]!.cost + 1, d: prev[j]!.d + 1 },
        { ...row[j - 1]!, cost: row[j - 1]!.cost + 1, i: row[j - 1]!.i + 1 },
      ];
      row.push(options.reduce((a, b) => (b.cost < a.cost ? b : a)));
    }
    prev = row;
  }
  const end = prev[h.length]!;
  return { substitutions: end.s, deletions: end.d, insertions: end.i, referenceWords: r.length, wer: end.cost / Math.max(r.length, 1) };
}

/** Word error rate of one transcript against its reference text. */
export function wordErrorRate(reference: string, hypothesis: string): number {
  return wordErrors(reference, hypothesis).wer;
}

/** Corpus WER: all errors over all reference words (not the mean of per-sentence rates). */
export function corpusWordErrorRate(pairs: { reference: string; hypothesis: string }[]): number {
  let errors = 0;
  let words = 0;
  for (const p of pairs) {
    const e = wordErrors(p.reference, p.hypothesis);
    errors += e.substitutions + e.deletions + e.insertions;
    words += e.referenceWords;
  }
  return errors / Math.max(words, 1);
}

// English words → ARPAbet with stress (CMUdict, first pronunciation). Possessives and hyphenated
// words are handled by parts; all-caps acronyms missing from the dictionary are spelled by letter
// names (CMUdict's entry for each letter, except "a", whose first entry is the article AH0: EY1).
// Out-of-vocabulary words fall back to a small letter-to-sound rule set: deterministic and
// APPROXIMATE, not a trained G2P. The rules, in order: lowercase, keep a-z; drop a silent final "e";
// collapse doubled consonants; word-initial "y" is the consonant Y; "c"/"g" before e/i/y are S/JH;
// then longest match first over the RULES table (trigraphs, digraphs, r-coloured vowels, single
// letters); stress 1 on the first vowel, 0 on the rest. An OOV word with no vowel letter ("mgmt")
// is spelled by letter names instead. Pure.
import { dictionary } from 'cmu-pronouncing-dictionary';

const DICT = dictionary as Record<string, string>;

// Multi-letter patterns first; vowels get stress digits added later.
const RULES: [string, string[]][] = [
  ['tion', ['SH', 'AH', 'N']], ['sion', ['ZH', 'AH', 'N']], ['ough', ['AO']], ['igh', ['AY']], ['ing', ['IH', 'NG']],
  ['sch', ['S', 'K']], ['tch', ['CH']], ['dge', ['JH']],
  ['ch', ['CH']], ['sh', ['SH']], ['th', ['TH']], ['ph', ['F']], ['wh', ['W']], ['ck', ['K']], ['ng', ['NG']], ['qu', ['K', 'W']],
  ['ee', ['IY']], ['ea', ['IY']], ['oo', ['UW']], ['ou', ['AW']], ['ow', ['OW']], ['oi', ['OY']], ['oy', ['OY']], ['ai', ['EY']],
  ['ay', ['EY']], ['au', ['AO']], ['aw', ['AO']], ['ie', ['IY']], ['ei', ['EY']], ['ey', ['IY']], ['ue', ['UW']], ['ew', ['UW']],
  ['ar', ['AA', 'R']], ['er', ['ER']], ['ir', ['ER']], ['ur', ['ER']], ['or', ['AO', 'R']],
  ['a', ['AE']], ['e', ['EH']], ['i', ['IH']], ['o', ['AA']], ['u', ['AH']], ['y', ['IY']],
  ['b', ['B']], ['c', ['K']], ['d', ['D']], ['f', ['F']], ['g', ['G']], ['h', ['HH']], ['j', ['JH']], ['k', ['K']], ['l', ['L']],
  ['m', ['M']], ['n', ['N']], ['p', ['P']], ['q', ['K']], ['r', ['R']], ['s', ['S']], ['t', ['T']], ['v', ['V']], ['w', ['W']],
  ['x', ['K', 'S']], ['z', ['Z']],
];
const VOWELS = new Set(['AA', 'AE', 'AH', 'AO', 'AW', 'AY', 'EH', 'ER', 'EY', 'IH', 'IY', 'OW', 'OY', 'UH', 'UW']);

/** Approximate letter-to-sound for words CMUdict does not know. */
export function letterToSound(word: string): string[] {
  let w = word.toLowerCase().replace(/[^a-z]/g, '');
  if (w.length > 3 && w.endsWith('e') && !/[aeiou]e$/.test(w)) w = w.slice(0, -1); // silent final e
  w = w.replace(/([b-df-hj-np-tv-z])\1/g, '$1'); // doubled consonants sound once
  const out: string[] = [];
  let i = 0;
  if (w.startsWith('y') && w.length > 1) {
    out.push('Y');
    i = 1;
  }
  while (i < w.length) {
    if ((w[i] === 'c' || w[i] === 'g') && /[eiy]/.test(w[i + 1] ?? '')) {
      out.push(w[i] === 'c' ? 'S' : 'JH'); // soft c / g
      i++;
      continue;
    }
    const rule = RULES.find(([pat]) => w.startsWith(pat, i));
    if (!rule) {
      i++;
      continue;
    }
    out.push(...rule[1]);
    i += rule[0].length;
  }
  let stressed = false;
  return out.map((p) => {
    if (!VOWELS.has(p)) return p;
    const s = stressed ? '0' : '1';
    stressed = true;
    return p + s;
  });
}

/** The letter's name as spoken when spelling ("a" → EY1, "w" → D AH1 B AH0 L Y UW0). */
export function letterName(ch: string): string[] {
  const c = ch.toLowerCase();
  if (c === 'a') return ['EY1'];
  return lookup(c) ?? letterToSound(c);
}

function lookup(w: string): string[] | null {
  const p = DICT[w.toLowerCase()];
  return p ? p.split(' ') : null;
}

export interface EnglishWord {
  phonemes: string[];
  oov: boolean;
}

export function englishWord(word: string): EnglishWord {
  word = word.replace(/[’‘]/g, "'");
  const direct = lookup(word);
  if (direct) return { phonemes: direct, oov: false };
  const poss = /^(.+)'s$/i.exec(word);
  if (poss) {
    const base = englishWord(poss[1]!);
    const last = base.phonemes[base.phonemes.length - 1] ?? '';
    const s = /^(S|Z|SH|ZH|CH|JH)$/.test(last) ? ['IH0', 'Z'] : /^(P|T|K|F|TH)$/.test(last) ? ['S'] : ['Z'];
    return { phonemes: [...base.phonemes, ...s], oov: base.oov };
  }
  if (word.includes('-')) {
    const parts = word.split('-').filter(Boolean).map(englishWord);
    return { phonemes: parts.flatMap((p) => p.phonemes), oov: parts.some((p) => p.oov) };
  }
  const plural = /^([A-Z]{2,})s$/.exec(word);
  if (plural) return { phonemes: [...englishWord(plural[1]!).phonemes, 'Z'], oov: false };
  if (/^[A-Z]{2,}$/.test(word)) {
    // acronym: letter names ("GPU" → G P U)
    return { phonemes: [...word].flatMap(letterName), oov: false };
  }
  // No vowel letter at all ("mgmt", "Pfft" aside, which CMUdict has): spell it.
  if (!/[aeiouy]/i.test(word)) return { phonemes: [...word.replace(/[^A-Za-z]/g, '')].flatMap(letterName), oov: true };
  return { phonemes: letterToSound(word), oov: true };
}

// The English side of EmotiVoice's frontend (frontend_en.py get_eng_phoneme), reproduced from reading it:
//   - the part is cut at , ; . - ? ! + and whitespace, the marks kept as words of their own;
//   - a word in the lexicon gives its bracketed phones ("[IH0] [Z]") and then engsp1;
//   - any other word goes to g2p_en, which EmotiVoice cannot do without (its neural model, CMUdict via
//     NLTK, POS-tagged homographs). Here: CMUdict (npm cmu-pronouncing-dictionary, first entry), then
//     letter-to-sound rules for words CMUdict lacks (src/text/english.ts), with a warning either way.
//     As in EmotiVoice, such a word gets NO engsp1 after it (only between the pieces g2p_en returns);
//   - a mark (g2p_en returns it as is) turns the token before it into engsp4: a pause; a mark g2p_en
//     deletes (; +) and any word g2p_en cannot read at all (symbols, other scripts) gives nothing;
//   - a trailing engsp is dropped.
// Pure: the lexicon and CMUdict come in as data.
import { dictionary } from 'cmu-pronouncing-dictionary';
import { letterToSound } from '../../text/english.ts';
import { lower, type Lexicon } from './lexicon.ts';

const CMUDICT = dictionary as Record<string, string>;

export type EnglishSource = 'lexicon' | 'cmudict' | 'rules' | 'mark' | 'none';

export interface EnglishWord {
  text: string;
  source: EnglishSource;
  /** the tokens this word added (a mark: the engsp4 it put in place of the token before it) */
  tokens: string[];
}

export interface EnglishResult {
  tokens: string[];
  words: EnglishWord[];
}

// Phones EmotiVoice never brackets (frontend_en.py's filters).
const FILTERED = new Set([',', ' ', "'"]);
const isAlnum = (s: string) => /^[\p{L}\p{N}]+$/u.test(s);
const WORD_BREAK = /([,;.\-?!\s+])/u;

/**
 * What g2p_en would answer for one word, approximated: its clean-up (accents stripped, lower case,
 * only a-z ' . , ? ! - kept), its tweet tokenizer (so "'tis" is ' + tis), then per token: a mark as
 * itself, CMUdict's first pronunciation, else letter-to-sound rules. Tokens are separated by " ".
 */
export function fallbackG2p(word: string): { phones: string[]; source: EnglishSource } {
  const clean = word
    .normalize('NFD')
    .replace(/\p{Mn}/gu, '')
    .toLowerCase()
    .replace(/[^ a-z'.,?!-]/g, '');
  const pieces = clean.match(/[a-z](?:[a-z]|['_-])+[a-z]|[a-z0-9_]+|\S/g) ?? [];
  const phones: string[] = [];
  let source: EnglishSource = 'none';
  for (const piece of pieces) {
    if (phones.length) phones.push(' ');
    if (!/[a-z]/.test(piece)) {
      phones.push(piece);
      if (source === 'none') source = 'mark';
      continue;
    }
    const known = CMUDICT[piece];
    if (known) {
      phones.push(...known.split(' '));
      if (source !== 'rules') source = 'cmudict';
    } else {
      phones.push(...letterToSound(piece));
      source = 'rules';
    }
  }
  return { phones, source };
}

/** One English part (a run of non-Chinese text) → tokens, as get_eng_phoneme(part, …, pad_sos_eos=False). */
export function englishPart(part: string, lexicon: Lexicon | null): EnglishResult {
  const tokens: string[] = [];
  const words: EnglishWord[] = [];
  for (const w of part.split(WORD_BREAK)) {
    if (w === '' || w === ' ') continue;
    const start = tokens.length;
    const entry = lexicon?.get(lower(w));
    if (entry) {
      for (const ph of entry) if (!FILTERED.has(ph)) tokens.push(`[${ph}]`);
      if (tokens.length && !tokens[tokens.length - 1]!.includes('sp')) tokens.push('engsp1');
      words.push({ text: w, source: 'lexicon', tokens: tokens.slice(start) });
      continue;
    }
    const { phones, source } = fallbackG2p(w);
    if (!phones.length) {
      words.push({ text: w, source: 'none', tokens: [] });
      continue;
    }
    if (isAlnum(phones[0]!)) {
      for (const ph of phones) {
        if (!FILTERED.has(ph)) tokens.push(`[${ph}]`);
        if (ph === ' ' && !tokens[tokens.length - 1]!.includes('sp')) tokens.push('engsp1');
      }
      words.push({ text: w, source, tokens: tokens.slice(start) });
    } else if (tokens.length) {
      tokens.pop();
      tokens.push('engsp4');
      words.push({ text: w, source: 'mark', tokens: ['engsp4'] });
    } else words.push({ text: w, source: 'mark', tokens: [] });
  }
  if (tokens.length && tokens[tokens.length - 1]!.includes('engsp')) tokens.pop();
  return { tokens, words };
}

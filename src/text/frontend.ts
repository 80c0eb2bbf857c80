// Text → phoneme symbols → ids from the model manifest's symbol table (the table is an input).
// Segments text into English words, Chinese runs and punctuation; English via CMUdict (+ rules),
// Mandarin via pinyin-pro (+ sandhi); "<sp>" between words, "<sil>" for punctuation and at both
// ends; symbols missing from the table become "<unk>" with a warning, never silently dropped.
// Chinese word boundaries: a run is cut into 2-character words (a documented approximation of
// word segmentation, which only decides where "<sp>" goes). Pure.
import { UserError } from '../core/errors.ts';
import { englishWord } from './english.ts';
import { mandarinSyllables, syllableSymbols } from './mandarin.ts';
import { normalizeText } from './normalize.ts';

export interface Phonemes {
  symbols: string[];
  ids: Int32Array;
  warnings: string[];
}

type Token = { kind: 'en' | 'zh'; text: string } | { kind: 'pause' };

// English word (with ' and - inside) | CJK run | punctuation (→ one "<sil>"). Anything else is skipped.
const TOKEN = /([A-Za-z]+(?:['’-][A-Za-z]+)*)|([\u3400-\u9fff]+)|([.,!?;:。，！？；：、…—–\-()（）\[\]{}"“”‘’'《》〈〉「」『』【】~～·/\\|]+)/g;

export function tokenize(text: string): Token[] {
  const out: Token[] = [];
  for (const m of text.matchAll(TOKEN)) {
    if (m[1]) out.push({ kind: 'en', text: m[1].replace(/’/g, "'") });
    else if (m[2]) out.push({ kind: 'zh', text: m[2] });
    else out.push({ kind: 'pause' });
  }
  return out;
}

function wordsOf(tok: Token): string[][] {
  if (tok.kind === 'en') return [englishWord(tok.text).phonemes];
  if (tok.kind === 'zh') {
    const syl = mandarinSyllables(tok.text).map(syllableSymbols);
    const words: string[][] = [];
    for (let i = 0; i < syl.length; i += 2) words.push(syl.slice(i, i + 2).flat());
    return words;
  }
  return [];
}

export function textToPhonemes(text: string, opts: { symbols: string[] }): Phonemes {
  const normalized = normalizeText(text);
  const tokens = tokenize(normalized);
  const seq: string[] = ['<sil>'];
  const warnings: string[] = [];
  // Letters/digits of scripts we cannot read (kana, Cyrillic, rare CJK …) are skipped, never silently.
  const skipped = [...new Set(normalized.replace(TOKEN, '').match(/[\p{L}\p{N}]/gu) ?? [])];
  if (skipped.length) warnings.push(`skipped characters the frontend cannot read: ${skipped.join(' ')}`);
  let spoken = 0;
  for (const tok of tokens) {
    if (tok.kind === 'pause') {
      if (seq[seq.length - 1] === '<sp>') seq.pop();
      if (seq[seq.length - 1] !== '<sil>') seq.push('<sil>');
      continue;
    }
    if (tok.kind === 'en' && englishWord(tok.text).oov) warnings.push(`"${tok.text}" is not in CMUdict; pronounced by letter-to-sound rules`);
    for (const w of wordsOf(tok)) {
      if (!w.length) continue;
      const last = seq[seq.length - 1];
      if (last !== '<sil>' && last !== '<sp>') seq.push('<sp>');
      seq.push(...w);
      spoken += w.length;
    }
  }
  if (spoken === 0) throw new UserError('text is empty or has nothing to pronounce', { hint: 'give some words to speak' });
  if (seq[seq.length - 1] === '<sp>') seq.pop();
  if (seq[seq.length - 1] !== '<sil>') seq.push('<sil>');
  const index = new Map(opts.symbols.map((s, i) => [s, i]));
  const unk = index.get('<unk>') ?? 1;
  const ids = new Int32Array(seq.length);
  seq.forEach((s, i) => {
    const id = index.get(s);
    if (id === undefined) warnings.push(`symbol "${s}" is not in the model's symbol table; using <unk>`);
    ids[i] = id ?? unk;
  });
  return { symbols: seq, ids, warnings };
}

// Cut points for splitSentences, coarsest first. A cut goes after the match, so the pieces
// concatenate back to the exact input. "." only ends a sentence before whitespace or the end
// (so 3.5 and e.g. stay whole); "," only splits when not followed by a digit (1,000 stays whole).
const CUTS: RegExp[] = [
  /(?:[.!?]+(?=\s|$)|[。！？…]+)["'”’)）」』\]]*\s*/gu,
  /(?:[,;:](?!\d)|[，；：、])\s*/gu,
  /\s+|(?<=[\u3400-\u9fff])/gu,
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

/**
 * Split text so each chunk's phoneme ids fit `maxPhonemes`: at sentence ends (.!?。！？), then at
 * clause marks (,;:，；：、), then at spaces / between CJK characters. Never drops text: the chunks,
 * concatenated, are the input apart from whitespace at chunk edges. Returns [text] when it fits.
 * A single word that alone needs more than `maxPhonemes` → UserError. Empty text → UserError.
 */
export function splitSentences(text: string, maxPhonemes: number, symbols: string[]): string[] {
  const length = (t: string): number => {
    try {
      return textToPhonemes(t, { symbols }).ids.length;
    } catch (e) {
      if (e instanceof UserError) return 0; // nothing pronounceable: merged into a neighbour below
      throw e;
    }
  };
  if (textToPhonemes(text, { symbols }).ids.length <= maxPhonemes) return [text];
  const fits = (t: string) => length(t) <= maxPhonemes;
  const split = (t: string, level: number): string[] => {
    if (fits(t)) return [t];
    if (level >= CUTS.length) {
      throw new UserError(`"${t.trim().slice(0, 40)}" alone needs more than ${maxPhonemes} phonemes`, {
        hint: 'raise serving.max_text_len in the profile or shorten the word',
      });
    }
    const parts = cutAfter(t, CUTS[level]!);
    if (parts.length <= 1) return split(t, level + 1);
    const out: string[] = [];
    let cur = '';
    for (const p of parts) {
      if (cur && !fits(cur + p)) {
        out.push(...split(cur, level + 1));
        cur = p;
      } else cur += p;
    }
    if (cur) out.push(...split(cur, level + 1));
    return out;
  };
  // Chunks with nothing to pronounce (stray punctuation) join a neighbour: at a chunk's edge a pause
  // collapses into the "<sil>" already there, so this never makes the neighbour longer.
  const chunks: string[] = [];
  let pending = '';
  for (const c of split(text, 0)) {
    if (length(c) === 0) {
      if (chunks.length) chunks[chunks.length - 1] += c;
      else pending += c;
    } else {
      chunks.push(pending + c);
      pending = '';
    }
  }
  return chunks.map((c) => c.trim());
}

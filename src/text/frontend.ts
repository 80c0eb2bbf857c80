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

const TOKEN = /([A-Za-z]+(?:['’-][A-Za-z]+)*)|([\u3400-\u9fff]+)|([.,!?;:。，！？；：、…—()（）"“”]+)/g;

export function tokenize(text: string): Token[] {
  const out: Token[] = [];
  for (const m of text.matchAll(TOKEN)) {
    if (m[1]) out.push({ kind: 'en', text: m[1].replace('’', "'") });
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
  const tokens = tokenize(normalizeText(text));
  const seq: string[] = ['<sil>'];
  const warnings: string[] = [];
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

/** Split text so each chunk's phonemes fit `maxPhonemes`: at sentence ends, then clause marks, then words. Never drops text. */
export function splitSentences(text: string, maxPhonemes: number, symbols: string[]): string[] {
  const fits = (t: string) => textToPhonemes(t, { symbols }).ids.length <= maxPhonemes;
  if (fits(text)) return [text];
  const levels = [/(?<=[.!?。！？])\s*/u, /(?<=[,;:，；：、])\s*/u, /\s+|(?<=[\u3400-\u9fff])(?=[\u3400-\u9fff])/u];
  const split = (t: string, level: number): string[] => {
    if (fits(t)) return [t];
    if (level >= levels.length) {
      throw new UserError(`"${t.slice(0, 40)}" alone needs more than ${maxPhonemes} phonemes`, { hint: 'raise serving.max_text_len in the profile or shorten the word' });
    }
    const parts = t.split(levels[level]!).filter((p) => p.trim());
    if (parts.length <= 1) return split(t, level + 1);
    // greedily pack parts back together while they fit
    const out: string[] = [];
    let cur = '';
    for (const p of parts) {
      const cand = cur ? `${cur}${/[\u3400-\u9fff]$/.test(cur) && /^[\u3400-\u9fff]/.test(p) ? '' : ' '}${p}` : p;
      if (cur && !fits(cand)) {
        out.push(...split(cur, level + 1));
        cur = p;
      } else cur = cand;
    }
    if (cur) out.push(...split(cur, level + 1));
    return out;
  };
  return split(text, 0).filter((c) => /[A-Za-z\u3400-\u9fff\d]/.test(c));
}

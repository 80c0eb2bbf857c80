// Text → phoneme symbols → ids from the model manifest's symbol table (the table is an input, never
// hard-coded here). normalize → segment → English words via CMUdict (+ letter-to-sound rules),
// Chinese runs via pinyin-pro (+ sandhi) → one symbol sequence. Pure.
//
// Symbol conventions (they match the reference model's e2e case, refs/e2e/hello.json):
//   "<sil>" at the start and the end, and for each run of punctuation with a pause (a comma and a
//   sentence end alike get ONE "<sil>": the inventory has one pause symbol and the duration predictor
//   decides its length; repeated marks "!!! ..." collapse into one). Quotes and joiners only separate words.
//   "<sp>" between words, never next to a "<sil>".
//   Chinese has no spaces, and we do no dictionary word segmentation: a Chinese run is cut into
//   2-character words (你好|世界), a neutral-tone syllable joining the word before it (他们的|朋友,
//   小孩儿). An approximation that only decides where "<sp>" goes.
// A symbol the table lacks becomes "<unk>" (in `symbols` and `ids`) with a warning; `words` keeps what
// was produced. Nothing is dropped silently: unreadable characters and OOV words are warned about.
import { UserError } from '../core/errors.ts';
import { englishWord } from './english.ts';
import { mandarinSyllables, syllableSymbols } from './mandarin.ts';
import { normalizeText, type Language } from './normalize.ts';
import { CJK_CLASS, segmentText, unreadable, type PauseKind } from './segment.ts';
import { cutAfter, packToFit } from './pack.ts';

export type { Language } from './normalize.ts';

export interface FrontendOptions {
  /** The model's symbol table (manifest `symbols:`); index = phoneme id. Must contain "<unk>". */
  symbols: string[];
  /** 'auto' (default): numbers and symbols are read in the language of their neighbours. 'en'/'zh'
   *  force that reading. Latin words are always English and CJK characters always Mandarin. */
  language?: Language;
}

/** One unit of the input, for debugging: a word (English word or 2-character Chinese chunk) or a pause. */
export type Word =
  | { kind: 'en'; text: string; symbols: string[]; oov: boolean }
  | { kind: 'zh'; text: string; symbols: string[] }
  | { kind: 'pause'; text: string; pause: PauseKind };

export interface Phonemes {
  /** The sequence fed to the model; symbols[i] === table[ids[i]] ("<unk>" for unknown symbols). */
  symbols: string[];
  ids: Int32Array;
  words: Word[];
  warnings: string[];
  /** The text after normalisation (numbers read out …). */
  normalized: string;
}

function wordsOf(normalized: string, warnings: string[]): Word[] {
  const words: Word[] = [];
  for (const seg of segmentText(normalized)) {
    if (seg.kind === 'punct') {
      words.push({ kind: 'pause', text: seg.text, pause: seg.pause });
    } else if (seg.kind === 'en') {
      const w = englishWord(seg.text);
      if (w.oov) warnings.push(`"${seg.text}" is not in CMUdict; pronounced by letter-to-sound rules (approximate)`);
      words.push({ kind: 'en', text: seg.text, symbols: w.phonemes, oov: w.oov });
    } else {
      // 2-syllable words; a neutral-tone syllable (们, 的, 了, erhua 儿 …) joins the word before it.
      const chars = [...seg.text];
      const syl = mandarinSyllables(seg.text);
      let start = 0;
      for (let i = 1; i <= syl.length; i++) {
        if (i < syl.length && (i - start < 2 || syl[i]!.tone === 5)) continue;
        words.push({ kind: 'zh', text: chars.slice(start, i).join(''), symbols: syl.slice(start, i).flatMap(syllableSymbols) });
        start = i;
      }
    }
  }
  return words;
}

export function textToPhonemes(text: string, opts: FrontendOptions): Phonemes {
  const language = opts.language ?? 'auto';
  const warnings: string[] = [];
  const normalized = normalizeText(text, { language });
  const skipped = unreadable(normalized);
  if (skipped.length) warnings.push(`skipped characters the frontend cannot read: ${skipped.join(' ')}`);
  const words = wordsOf(normalized, warnings);

  const seq: string[] = ['<sil>'];
  for (const w of words) {
    if (w.kind === 'pause') {
      if (w.pause === 'none') continue; // quotes: the next word brings its own "<sp>"
      if (seq[seq.length - 1] === '<sp>') seq.pop();
      if (seq[seq.length - 1] !== '<sil>') seq.push('<sil>');
      continue;
    }
    if (!w.symbols.length) continue;
    const last = seq[seq.length - 1];
    if (last !== '<sil>' && last !== '<sp>') seq.push('<sp>');
    seq.push(...w.symbols);
  }
  if (seq.length === 1) {
    throw new UserError(
      `text is empty or has nothing to pronounce${skipped.length ? ` (cannot read: ${skipped.join(' ')})` : ''}`,
      { hint: 'give some text to speak (English or Chinese)' },
    );
  }
  if (seq[seq.length - 1] !== '<sil>') seq.push('<sil>');

  const index = new Map(opts.symbols.map((s, i) => [s, i]));
  const missing = new Set<string>();
  const ids = new Int32Array(seq.length);
  const symbols = seq.map((s, i) => {
    const id = index.get(s);
    if (id !== undefined) {
      ids[i] = id;
      return s;
    }
    const unk = index.get('<unk>');
    if (unk === undefined) {
      throw new UserError(`symbol "${s}" is not in the model's symbol table, which has no "<unk>" either`, {
        hint: "use the model manifest's symbols: list (it must include <unk>)",
      });
    }
    ids[i] = unk;
    missing.add(s);
    return '<unk>';
  });
  for (const s of missing) warnings.push(`symbol "${s}" is not in the model's symbol table; using <unk>`);
  return { symbols, ids, words, warnings, normalized };
}

// Cut points for splitSentences, coarsest first. A cut goes after the match, so the pieces
// concatenate back to the exact input. "." only ends a sentence before whitespace or the end
// (so 3.5 and e.g. stay whole); "," only splits when not followed by a digit (1,000 stays whole).
const CUTS: RegExp[] = [
  /(?:[.!?]+(?=\s|$)|[。！？…]+)["'”’)）」』\]]*\s*/gu,
  /(?:[,;:](?!\d)|[，；：、])\s*/gu,
  // at spaces and between the frontend's 2-character Chinese words (even offsets in a CJK run) …
  new RegExp(`\\s+|(?<=(?:^|[^${CJK_CLASS}])(?:[${CJK_CLASS}]{2})+)(?=[${CJK_CLASS}])`, 'gu'),
  // … and, last, between any two CJK characters.
  new RegExp(`(?<=[${CJK_CLASS}])`, 'gu'),
];

/** The text cut after each sentence end (the first of splitSentences' cuts); the pieces concatenate to it. */
export function sentencePieces(text: string): string[] {
  return cutAfter(text, CUTS[0]!);
}

/**
 * Split text so each chunk's phoneme ids fit `maxPhonemes`: at sentence ends (.!?。！？), then at
 * clause marks (,;:，；：、), then at spaces and between 2-character Chinese words, then between
 * any two CJK characters. Never drops text: the chunks,
 * concatenated, are the input apart from whitespace at chunk edges, and their phonemes are the
 * unsplit phonemes apart from the "<sil>"/"<sp>" at chunk edges (a cut between two CJK characters
 * can change a tone there: sandhi does not reach across chunks). Returns [text] when it fits.
 * A single word that alone needs more than `maxPhonemes` → UserError. Empty text → UserError.
 */
export function splitSentences(text: string, maxPhonemes: number, symbols: string[], opts: { language?: Language; /** the whole text's phoneme count, when the caller has it */ phonemes?: number } = {}): string[] {
  const count = (t: string) => textToPhonemes(t, { symbols, language: opts.language }).ids.length;
  const length = (t: string): number => {
    try {
      return count(t);
    } catch (e) {
      if (e instanceof UserError) return 0; // nothing pronounceable: merged into a neighbour below
      throw e;
    }
  };
  if ((opts.phonemes ?? count(text)) <= maxPhonemes) return [text];
  const fits = (t: string) => length(t) <= maxPhonemes;
  const tooLong = (t: string) =>
    new UserError(`"${t.trim().slice(0, 40)}" alone needs more than ${maxPhonemes} phonemes`, {
      hint: 'raise serving.max_text_len in the profile or shorten the word',
    });
  // Chunks with nothing to pronounce (stray punctuation) join a neighbour: at a chunk's edge a pause
  // collapses into the "<sil>" already there, so this never makes the neighbour longer.
  const chunks: string[] = [];
  let pending = '';
  for (const c of packToFit(text, fits, CUTS, tooLong)) {
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

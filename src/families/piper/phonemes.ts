// Piper's text conventions, pure: text → clauses (with the punctuation that ends each), a clause's
// espeak-ng IPA → phoneme tokens, tokens → ids (`^ _ p1 _ p2 … pn _ $`), and sentences packed under an
// id limit. What piper-phonemize does around espeak-ng, rewritten from its documented behaviour:
//   - phonemes per clause; the clause's punctuation is kept as a token (", " ": " "; " with a space,
//     ". " "?" "!" without), and a sentence ends at . ? !;
//   - language-switch flags "(en)" that espeak-ng puts around foreign words are dropped;
//   - the IPA is Unicode NFD, one token per code point (so "ç" is "c" + U+0327);
//   - BOS, then a pad after every token, then EOS.
// An unknown token is left out with a warning that names it; nothing is dropped silently.

/** Punctuation that ends a clause, as Piper keeps it. '' = the clause ended without any (end of text, "…"). */
export type Terminator = '' | '.' | ',' | '?' | '!' | ':' | ';';

export interface Clause {
  /** The clause's text, its punctuation included (what espeak-ng reads). */
  text: string;
  terminator: Terminator;
  /** Whether a sentence ends here (. ? ! and the end of the text). */
  sentenceEnd: boolean;
}

const CLOSERS = `"'”’»)]}`;

/**
 * Split text at clause punctuation followed by a space or the end, the way espeak-ng decides (a
 * period before a lower-case word is an abbreviation, not a clause end; "..." ends a clause without a
 * terminator). Whitespace runs become one space.
 */
export function splitClauses(text: string): Clause[] {
  const s = text.replace(/\s+/gu, ' ').trim();
  const out: Clause[] = [];
  let start = 0;
  let i = 0;
  while (i < s.length) {
    if (!'.,?!:;'.includes(s[i]!)) {
      i++;
      continue;
    }
    let j = i;
    while (j < s.length && '.,?!:;'.includes(s[j]!)) j++;
    const run = s.slice(i, j);
    let k = j;
    while (k < s.length && CLOSERS.includes(s[k]!)) k++;
    const atEnd = k >= s.length;
    if (!atEnd && s[k] !== ' ') {
      i = j; // 3.50, e.g., a.m.: inside a word
      continue;
    }
    const next = s.slice(k + 1).match(/^\p{L}/u)?.[0];
    if (run === '.' && !atEnd && next !== undefined && next === next.toLowerCase() && next !== next.toUpperCase()) {
      i = j; // "etc. and", "p.m. on": espeak-ng reads on
      continue;
    }
    const terminator = terminatorOf(run);
    out.push({ text: s.slice(start, k).trim(), terminator, sentenceEnd: terminator === '.' || terminator === '?' || terminator === '!' });
    start = k;
    i = k;
  }
  const rest = s.slice(start).trim();
  if (rest) out.push({ text: rest, terminator: '', sentenceEnd: true });
  else if (out.length) out[out.length - 1]!.sentenceEnd = true;
  return out.filter((c) => c.text !== '');
}

function terminatorOf(run: string): Terminator {
  if (run.length >= 2 && /^\.+$/u.test(run)) return ''; // an ellipsis
  if (run.includes('?')) return '?';
  if (run.includes('!')) return '!';
  return run[0] as Terminator;
}

/** The text's sentences as splitClauses cuts them: clauses up to each sentence end, joined by a space. */
export function sentenceTexts(text: string): string[] {
  const out: string[] = [];
  let cur: string[] = [];
  for (const c of splitClauses(text)) {
    cur.push(c.text);
    if (c.sentenceEnd) {
      out.push(cur.join(' '));
      cur = [];
    }
  }
  if (cur.length) out.push(cur.join(' '));
  return out;
}

/** A clause's tokens: its IPA without language flags, its punctuation kept, NFD, one per code point. */
export function clauseTokens(ipa: string, terminator: Terminator): string[] {
  let p = ipa.replace(/\([^)]+\)/gu, '').replace(/\s+/gu, ' ').trim();
  p += terminator;
  if (terminator === ',' || terminator === ':' || terminator === ';') p += ' ';
  return Array.from(p.normalize('NFD'));
}

export interface IdConventions {
  bos: string;
  eos: string;
  pad: string;
}

export const PIPER_CONVENTIONS: IdConventions = { bos: '^', eos: '$', pad: '_' };

export interface Encoded {
  tokens: string[];
  ids: Int32Array;
  /** Tokens the table lacks (left out), in order of appearance. */
  unknown: string[];
}

/** `^ _ p1 _ p2 … pn _ $`: the ids of tokens the table has; the rest reported in `unknown`. */
export function encode(tokens: string[], table: ReadonlyMap<string, number>, conv: IdConventions = PIPER_CONVENTIONS): Encoded {
  const known = tokens.filter((t) => table.has(t));
  const unknown = tokens.filter((t) => !table.has(t));
  const seq: string[] = [conv.bos, conv.pad];
  for (const t of known) seq.push(t, conv.pad);
  seq.push(conv.eos);
  const ids = new Int32Array(seq.length);
  seq.forEach((t, i) => (ids[i] = table.get(t)!));
  return { tokens: seq, ids, unknown };
}

/** Ids a sentence of n tokens takes: BOS, pad, n × (token, pad), EOS. */
export function idCount(tokens: number): number {
  return 2 * tokens + 3;
}

export interface PhonemizedClause extends Clause {
  tokens: string[];
}

export interface Part {
  text: string;
  tokens: string[];
}

/**
 * Sentences (clauses up to a sentence end), each cut into parts of at most `limit` ids: at clause
 * boundaries first, then at spaces between words, then (a single word longer than the limit) anywhere.
 * Never truncated. `split` says whether the limit cut any sentence.
 */
export function packSentences(clauses: PhonemizedClause[], limit: number): { parts: Part[]; split: boolean } {
  const maxTokens = Math.floor((limit - 3) / 2);
  if (maxTokens < 1) throw new Error(`an id limit of ${limit} leaves no room for a phoneme`);
  const sentences: PhonemizedClause[][] = [];
  let cur: PhonemizedClause[] = [];
  for (const c of clauses) {
    cur.push(c);
    if (c.sentenceEnd) {
      sentences.push(cur);
      cur = [];
    }
  }
  if (cur.length) sentences.push(cur);

  const parts: Part[] = [];
  let split = false;
  for (const sentence of sentences) {
    const total = sentence.reduce((n, c) => n + c.tokens.length, 0);
    if (total <= maxTokens) {
      parts.push({ text: sentence.map((c) => c.text).join(' '), tokens: sentence.flatMap((c) => c.tokens) });
      continue;
    }
    split = true;
    let part: Part = { text: '', tokens: [] };
    const flush = () => {
      if (part.tokens.length) parts.push(part);
      part = { text: '', tokens: [] };
    };
    const add = (text: string, tokens: string[]) => {
      if (part.tokens.length + tokens.length > maxTokens) flush();
      part.text = part.text ? `${part.text} ${text}` : text;
      part.tokens.push(...tokens);
    };
    for (const c of sentence) {
      if (c.tokens.length <= maxTokens) {
        add(c.text, c.tokens);
        continue;
      }
      // a clause over the limit: its words (tokens up to and including a space), the text once
      let first = true;
      for (const word of words(c.tokens)) {
        for (let i = 0; i < word.length; i += maxTokens) {
          add(first ? c.text : '', word.slice(i, i + maxTokens));
          first = false;
        }
      }
    }
    flush();
  }
  for (const p of parts) p.text = p.text.trim();
  return { parts, split };
}

function words(tokens: string[]): string[][] {
  const out: string[][] = [];
  let w: string[] = [];
  for (const t of tokens) {
    w.push(t);
    if (t === ' ') {
      out.push(w);
      w = [];
    }
  }
  if (w.length) out.push(w);
  return out;
}

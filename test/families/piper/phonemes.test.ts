// Piper's text conventions on hand-worked inputs: clause splitting (checked against what piper-tts's own
// espeak-ng reports for the same text, written down by hand), tokens, ids and packing under a limit.
import { describe, expect, it } from 'vitest';
import { clauseTokens, encode, idCount, packSentences, splitClauses } from '../../../src/families/piper/phonemes.ts';
import { piperFrontend } from '../../../src/families/piper/frontend.ts';
import { PIPER_CONVENTIONS } from '../../../src/families/piper/phonemes.ts';

describe('splitClauses', () => {
  it('ends clauses at punctuation before a space, sentences at . ? !', () => {
    // piper-tts 1.8 (espeakbridge) on this text: terminators , . ? : ; ! with sentence ends F T T F F T
    const c = splitClauses('The quick brown fox, jumps over the lazy dog. Is it? Yes: it is; really!');
    expect(c.map((x) => [x.text, x.terminator, x.sentenceEnd])).toEqual([
      ['The quick brown fox,', ',', false],
      ['jumps over the lazy dog.', '.', true],
      ['Is it?', '?', true],
      ['Yes:', ':', false],
      ['it is;', ';', false],
      ['really!', '!', true],
    ]);
  });
  it('reads on after a period before a lower-case word, and inside numbers', () => {
    // espeakbridge: ('ɐnˈʌðɚ lˈaɪn ænd', ',', False), ('mˈɔːɹ', '', True)
    expect(splitClauses('another line. and, more').map((x) => [x.text, x.terminator, x.sentenceEnd])).toEqual([
      ['another line. and,', ',', false],
      ['more', '', true],
    ]);
    expect(splitClauses('It costs $3.50 today.').map((x) => x.text)).toEqual(['It costs $3.50 today.']);
  });
  it('an ellipsis ends a clause with no terminator; newlines are spaces', () => {
    // espeakbridge on "Hello... world": ('həlˈoʊ', '', False), ('wˈɜːld', '', True)
    expect(splitClauses('Hello...\n  world').map((x) => [x.text, x.terminator, x.sentenceEnd])).toEqual([
      ['Hello...', '', false],
      ['world', '', true],
    ]);
  });
  it('keeps closing quotes with their clause', () => {
    expect(splitClauses('He said "stop." Then left.').map((x) => x.text)).toEqual(['He said "stop."', 'Then left.']);
  });
});

describe('clauseTokens and encode', () => {
  it('drops language flags, keeps punctuation (with a space after , : ;) and decomposes to NFD', () => {
    expect(clauseTokens('(fr)ça(en) va', ',')).toEqual(['c', '\u0327', 'a', ' ', 'v', 'a', ',', ' ']);
    expect(clauseTokens('hə lˈoʊ', '.')).toEqual(['h', 'ə', ' ', 'l', 'ˈ', 'o', 'ʊ', '.']);
  });
  it('writes ^ _ p1 _ p2 _ $ and reports what the table lacks', () => {
    const table = new Map([['_', 0], ['^', 1], ['$', 2], ['a', 14], ['b', 15]]);
    const e = encode(['a', 'X', 'b'], table);
    expect(Array.from(e.ids)).toEqual([1, 0, 14, 0, 15, 0, 2]);
    expect(e.tokens).toEqual(['^', '_', 'a', '_', 'b', '_', '$']);
    expect(e.unknown).toEqual(['X']);
    expect(idCount(2)).toBe(7);
  });
});

describe('packSentences', () => {
  const clause = (text: string, tokens: string, sentenceEnd: boolean) => ({ text, terminator: '' as const, sentenceEnd, tokens: Array.from(tokens) });
  it('keeps each sentence whole under the limit', () => {
    const r = packSentences([clause('a', 'ab', false), clause('b', 'cd', true), clause('c', 'ef', true)], 100);
    expect(r.split).toBe(false);
    expect(r.parts.map((p) => p.tokens.join(''))).toEqual(['abcd', 'ef']);
  });
  it('splits over the limit at clauses, then at words, and never drops a token', () => {
    // limit 11 ids → at most 4 tokens a part
    const cs = [clause('one', 'abc', false), clause('two', 'de', false), clause('three', 'fg hij', true)];
    const r = packSentences(cs, 11);
    expect(r.split).toBe(true);
    expect(r.parts.map((p) => p.tokens.join(''))).toEqual(['abc', 'de', 'fg ', 'hij']);
    for (const p of r.parts) expect(idCount(p.tokens.length)).toBeLessThanOrEqual(11);
    expect(r.parts.map((p) => p.text)).toEqual(['one', 'two', 'three', '']);
  });
});

describe('the espeak-piper frontend around a phonemizer', () => {
  const symbols = ['_', '^', '$', ' ', '!', "'", '(', ')', ',', '-', '.', 'a', 'b'];
  it('warns about each unknown phoneme with its code point, and reports a split', async () => {
    const fe = piperFrontend(symbols, { voice: 'en-us', conventions: PIPER_CONVENTIONS, phonemize: async (cs) => cs.map(() => 'ab ɚ ab') });
    const r = await fe.toIds('one, two.', { limit: 15 });
    expect(r.warnings[0]).toBe('phoneme "ɚ" (U+025A) is not in the voice\'s phoneme map: left out 2 times');
    expect(r.split).toEqual({ phonemes: r.sentences.reduce((n, s) => n + s.ids.length, 0), limit: 15, parts: r.sentences.length });
    // 'ab ɚ ab, ' = 8 tokens (limit 15 → 6 a part) → split at the clause, then at the word
    expect(r.sentences.map((s) => s.tokens.filter((t) => t !== '_' && t !== '^' && t !== '$').join(''))).toEqual(['ab  ', 'ab, ', 'ab  ', 'ab.']);
  });
});

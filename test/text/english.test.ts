import { describe, expect, it } from 'vitest';
import { englishWord, letterName, letterToSound } from '../../src/text/english.ts';
import { textToPhonemes } from '../../src/text/frontend.ts';
import { SYMBOLS } from './symbols.ts';

const ph = (t: string) => textToPhonemes(t, { symbols: SYMBOLS }).symbols.join(' ');
const w = (t: string) => englishWord(t).phonemes.join(' ');

describe('english', () => {
  it('uses the first CMUdict pronunciation, case-insensitively', () => {
    expect(w('Hello')).toBe('HH AH0 L OW1');
    expect(w('read')).toBe('R EH1 D');
    expect(englishWord('HELLO').oov).toBe(false);
    expect(w("don't")).toBe('D OW1 N T');
  });

  it('handles possessives and hyphenated words', () => {
    expect(englishWord("cat's").phonemes.slice(-1)).toEqual(['S']);
    expect(englishWord("dog's").phonemes.slice(-1)).toEqual(['Z']);
    expect(w("Zorbalix's")).toBe(`${letterToSound('zorbalix').join(' ')} IH0 Z`);
    expect(w('well-known')).toBe(`${w('well')} ${w('known')}`);
  });

  it('spells all-caps acronyms missing from the dictionary by letter names', () => {
    expect(ph('GPU')).toBe('<sil> JH IY1 P IY1 Y UW1 <sil>');
    expect(w('GPA')).toBe('JH IY1 P IY1 EY1'); // the letter a is EY1, not the article AH0
    expect(w('GPUs')).toBe('JH IY1 P IY1 Y UW1 Z');
    expect(w('NASA')).toBe('N AE1 S AH0'); // in CMUdict: read as a word
    expect(letterName('w')).toEqual(['D', 'AH1', 'B', 'AH0', 'L', 'Y', 'UW0']);
  });

  it('pronounces OOV words by rules: deterministic, inventory-only, stress on the first vowel', () => {
    expect(letterToSound('zorbalix')).toEqual(['Z', 'AO1', 'R', 'B', 'AE0', 'L', 'IH0', 'K', 'S']);
    expect(letterToSound('blarpington')).toEqual(letterToSound('blarpington'));
    expect(letterToSound('shmate')).toEqual(['SH', 'M', 'AE1', 'T']); // silent final e, sh digraph
    expect(letterToSound('cyberg')).toEqual(['S', 'IY1', 'B', 'ER0', 'G']); // soft c
    const r = englishWord('Zorbalix');
    expect(r.oov).toBe(true);
    for (const p of letterToSound('qwxyzzyphthongish')) expect(SYMBOLS).toContain(p);
  });

  it('spells OOV words with no vowel letter', () => {
    expect(w('mgmt')).toBe('EH1 M JH IY1 EH1 M T IY1');
  });
});

import { describe, expect, it } from 'vitest';
import { englishWord, letterToSound } from '../../src/text/english.ts';
import { textToPhonemes } from '../../src/text/frontend.ts';
import { SYMBOLS } from './symbols.ts';

const ph = (t: string) => textToPhonemes(t, { symbols: SYMBOLS }).symbols.join(' ');

describe('english', () => {
  it('uses the first CMUdict pronunciation, case-insensitively', () => {
    expect(englishWord('Hello').phonemes.join(' ')).toBe('HH AH0 L OW1');
    expect(englishWord('HELLO').oov).toBe(false);
  });

  it('handles possessives and hyphenated words', () => {
    expect(englishWord("cat's").phonemes.slice(-1)).toEqual(['S']);
    expect(englishWord("dog's").phonemes.slice(-1)).toEqual(['Z']);
    expect(englishWord('well-known').phonemes.join(' ')).toBe([...englishWord('well').phonemes, ...englishWord('known').phonemes].join(' '));
  });

  it('spells all-caps acronyms missing from the dictionary by letter names', () => {
    expect(ph('GPU')).toBe('<sil> JH IY1 P IY1 Y UW1 <sil>');
  });

  it('pronounces OOV words by rules: deterministic, no <unk>, with a warning', () => {
    const r = textToPhonemes('Zorbalix', { symbols: SYMBOLS });
    expect(r.symbols).not.toContain('<unk>');
    expect(r.symbols.length).toBeGreaterThan(4);
    expect(r.warnings[0]).toMatch(/not in CMUdict/);
    expect(letterToSound('zorbalix')).toEqual(letterToSound('zorbalix'));
    for (const p of letterToSound('qwxyzzyphthongish')) expect(SYMBOLS).toContain(p);
  });
});

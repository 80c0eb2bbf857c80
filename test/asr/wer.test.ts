// Word error rate and its Whisper-style normalisation, on hand-worked cases (each expected value is
// counted by hand from the two word lists, never computed with the code under test).
import { describe, expect, it } from 'vitest';
import { corpusWordErrorRate, normalizeWords, numbersAsDigits, wordErrorRate, wordErrors } from '../../src/asr/wer.ts';

describe('wordErrorRate', () => {
  it('counts a deletion over the reference words', () => {
    // the cat sat on [the] mat: 1 deletion / 6 words
    expect(wordErrorRate('the cat sat on the mat', 'the cat sat on mat')).toBeCloseTo(1 / 6, 12);
  });
  it('counts substitutions and insertions', () => {
    // a b c d → a x c d e: b→x (S), +e (I): 2 / 4
    expect(wordErrors('a b c d', 'a x c d e')).toEqual({ substitutions: 1, deletions: 0, insertions: 1, referenceWords: 4, wer: 0.5 });
  });
  it('can exceed 1 when the transcript is mostly extra words', () => {
    // hello → why hello there friend: 3 insertions / 1 word
    expect(wordErrorRate('hello', 'why hello there friend')).toBe(3);
  });
  it('is 0 for two empty texts and counts insertions against an empty reference', () => {
    expect(wordErrorRate('', '')).toBe(0);
    expect(wordErrorRate('', 'hello there')).toBe(2);
  });
  it('ignores case, punctuation, titles, contractions and hyphens as Whisper does', () => {
    expect(wordErrorRate('and mister john dashwood had then leisure', 'And Mr. John Dashwood had then leisure.')).toBe(0);
    expect(wordErrorRate('he was not an ill disposed young man', "He wasn't an ill-disposed young man.")).toBe(0);
    expect(wordErrorRate('unless to be rather cold hearted', 'Unless to be rather cold-hearted,')).toBe(0);
  });
  it('reads number words and digits alike', () => {
    expect(wordErrorRate('go forward ten meters', 'Go forward 10 meters.')).toBe(0);
    expect(wordErrorRate('it cost one hundred and five dollars', 'It cost 105 dollars.')).toBe(0);
    expect(wordErrorRate('twenty four hours', '24 hours')).toBe(0);
    // a wrong number is still an error: 11 ≠ 10, 1 of 4 words
    expect(wordErrorRate('go forward ten meters', 'go forward eleven meters')).toBe(0.25);
  });
  it('pools errors over words for a corpus', () => {
    // 1 error in 4 words + 0 errors in 6 words = 1 / 10 (the mean of the rates would be 0.125)
    expect(corpusWordErrorRate([
      { reference: 'a b c d', hypothesis: 'a b c' },
      { reference: 'one more sentence with six words', hypothesis: 'one more sentence with six words' },
    ])).toBe(0.1);
  });
});

describe('normalizeWords', () => {
  it('drops bracketed asides, fillers and diacritics', () => {
    expect(normalizeWords('Um, the café [laughs] (aside) is open!')).toEqual(['the', 'cafe', 'is', 'open']);
  });
  it('keeps decimals and joins digit groups', () => {
    expect(normalizeWords('It was 3.5 percent of 1,000 people.')).toEqual(['it', 'was', '3.5', 'percent', 'of', '1000', 'people']);
  });
});

describe('numbersAsDigits', () => {
  it('starts a new number where a word cannot extend the last one', () => {
    expect(numbersAsDigits(['twenty', 'twenty', 'four'])).toEqual(['20', '24']);
    expect(numbersAsDigits(['one', 'two', 'three'])).toEqual(['1', '2', '3']);
    expect(numbersAsDigits(['two', 'thousand', 'and', 'five'])).toEqual(['2005']);
    expect(numbersAsDigits(['rock', 'and', 'roll'])).toEqual(['rock', 'and', 'roll']);
  });
});

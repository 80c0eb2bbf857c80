// packToFit, the one splitter both text frontends use: the parts concatenate to the input, each fits,
// the coarsest boundary that works is the one cut at, and a piece no boundary can make fit is an error.
import { describe, expect, it } from 'vitest';
import { cutAfter, packToFit } from '../../src/text/pack.ts';

const CUTS = [/[.!?]\s*/gu, /,\s*/gu, /\s+/gu];
const tooLong = (t: string) => new Error(`too long: ${t}`);

describe('packToFit', () => {
  it('cuts after each match and keeps everything, empty matches included', () => {
    expect(cutAfter('a. b. c', /\.\s*/gu)).toEqual(['a. ', 'b. ', 'c']);
    expect(cutAfter('abc', /(?:)/gu)).toEqual(['a', 'b', 'c']);
    expect(cutAfter('no cut', /\./gu)).toEqual(['no cut']);
  });

  it('packs whole sentences greedily, then clauses, then words, each part within the limit', () => {
    const text = 'One two. Three four five, six seven. Eight.';
    const parts = packToFit(text, (t) => t.length <= 17, CUTS, tooLong);
    expect(parts.join('')).toBe(text);
    expect(parts.every((p) => p.length <= 17)).toBe(true);
    // "One two. " (9) fits; "Three four five, six seven. " (28) is cut at its comma into 17 + 11; "Eight." (6) would make 34
    expect(parts).toEqual(['One two. ', 'Three four five, ', 'six seven. ', 'Eight.']);
  });

  it('text that fits is one part; a word longer than the limit is the caller\'s error', () => {
    expect(packToFit('short.', (t) => t.length <= 10, CUTS, tooLong)).toEqual(['short.']);
    expect(() => packToFit('a incomprehensibilities b', (t) => t.length <= 8, CUTS, tooLong)).toThrow('too long: incomprehensibilities ');
  });
});

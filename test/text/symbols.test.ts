import { describe, expect, it } from 'vitest';
import { manifestSymbols, SYMBOLS } from './symbols.ts';

describe('symbol table helper', () => {
  it('has the inventory of symbols.py, specials first', () => {
    expect(SYMBOLS.slice(0, 4)).toEqual(['<pad>', '<unk>', '<sil>', '<sp>']);
    expect(SYMBOLS.length).toBe(4 + 15 * 3 + 24 + 21 + 38 * 5);
    expect(new Set(SYMBOLS).size).toBe(SYMBOLS.length);
  });

  it('equals the tiny model manifest symbols', () => {
    expect(manifestSymbols()).toEqual(SYMBOLS);
  });
});

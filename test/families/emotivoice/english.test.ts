import { describe, expect, it } from 'vitest';
import { englishPart, fallbackG2p } from '../../../src/families/emotivoice/english.ts';
import { parseLexicon, type Lexicon } from '../../../src/families/emotivoice/lexicon.ts';
import { letterToSound } from '../../../src/text/english.ts';

const LEX = parseLexicon('GOOD  G IH0 D\nGOOD\tG UH1 D\nIS\tIH0 Z\nTO  T AH0\nDON\'T  D OW1 N T\n');
const toks = (text: string, lex: Lexicon | null = LEX) => englishPart(text, lex).tokens.join(' ');

describe('the lexicon file', () => {
  it('keeps the first entry of a word, looked up lower-cased, tabs and double spaces alike', () => {
    expect(LEX.get('good')).toEqual(['G', 'IH0', 'D']);
    expect(LEX.get('is')).toEqual(['IH0', 'Z']);
    expect(LEX.get("don't")).toEqual(['D', 'OW1', 'N', 'T']);
    expect(LEX.size).toBe(4);
  });
});

describe('English as get_eng_phoneme says it', () => {
  it('brackets lexicon phones and puts engsp1 after each lexicon word, none at the end', () => {
    expect(toks('Good is')).toBe('[G] [IH0] [D] engsp1 [IH0] [Z]');
    expect(toks('GOOD')).toBe('[G] [IH0] [D]');
  });

  it('gives words missing from the lexicon no engsp1 after them (g2p_en path), from CMUdict', () => {
    expect(toks('good morning good')).toBe('[G] [IH0] [D] engsp1 [M] [AO1] [R] [N] [IH0] [NG] [G] [IH0] [D]');
    expect(englishPart('morning', LEX).words[0]!.source).toBe('cmudict');
  });

  it('turns a mark into engsp4 in place of the token before it, even a phoneme after a g2p_en word', () => {
    expect(toks('good, is')).toBe('[G] [IH0] [D] engsp4 [IH0] [Z]');
    expect(toks('Wow!!! is')).toBe('[W] engsp4 [IH0] [Z]'); // [AW1] gave way to the first "!"
    expect(toks(', good')).toBe('[G] [IH0] [D]'); // nothing before it to replace
  });

  it("drops what g2p_en deletes (; + symbols, other scripts) and says so in the word's source", () => {
    expect(toks('good; is + to')).toBe('[G] [IH0] [D] engsp1 [IH0] [Z] engsp1 [T] [AH0]');
    const words = englishPart('good $ ♥ привет', LEX).words;
    expect(words.filter((w) => w.source === 'none').map((w) => w.text)).toEqual(['$', '♥', 'привет']);
  });

  it('falls back to letter-to-sound rules for words CMUdict lacks, and strips accents as g2p_en does', () => {
    expect(fallbackG2p('zorbalix')).toEqual({ phones: letterToSound('zorbalix'), source: 'rules' });
    expect(fallbackG2p('Café').phones).toEqual(fallbackG2p('cafe').phones);
    expect(fallbackG2p("'tis").phones[0]).toBe("'"); // the tweet tokenizer splits a leading apostrophe
    expect(toks("'tis good")).toBe('[G] [IH0] [D]'); // a mark-led g2p_en answer is a pause, and nothing came before
  });

  it('without any lexicon every word takes the g2p_en path', () => {
    expect(toks('good is', null)).toBe('[G] [UH1] [D] [IH1] [Z]');
  });
});

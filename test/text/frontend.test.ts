import { describe, expect, it } from 'vitest';
import { existsSync, readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { splitSentences, textToPhonemes } from '../../src/text/frontend.ts';
import { splitSyllable } from '../../src/text/mandarin.ts';
import { chineseInteger, englishInteger, normalizeText } from '../../src/text/normalize.ts';
import { UserError } from '../../src/core/errors.ts';
import { ROOT, SYMBOLS } from './symbols.ts';

const symbols = SYMBOLS;
const ph = (t: string) => textToPhonemes(t, { symbols }).symbols.join(' ');
const HELLO = resolve(ROOT, 'models/tiny/refs/e2e/hello.json');

describe('text frontend', () => {
  it('reads "Hello world, 你好世界" exactly', () => {
    const r = textToPhonemes('Hello world, 你好世界', { symbols });
    expect(r.symbols).toEqual([
      '<sil>', 'HH', 'AH0', 'L', 'OW1', '<sp>', 'W', 'ER1', 'L', 'D', '<sil>',
      'n', 'i2', 'h', 'ao3', '<sp>', 'sh', 'iii4', 'j', 'ie4', '<sil>',
    ]);
    expect(r.warnings).toEqual([]);
    expect([...r.ids]).toEqual(r.symbols.map((s) => symbols.indexOf(s)));
  });

  it.skipIf(!existsSync(HELLO))('reads the reference text exactly as the PyTorch end-to-end case recorded it', () => {
    const hello = JSON.parse(readFileSync(HELLO, 'utf8'));
    const r = textToPhonemes(hello.text, { symbols });
    expect(r.symbols).toEqual(hello.phonemes);
    expect(r.warnings).toEqual([]);
    expect([...r.ids].every((id) => id > 1)).toBe(true);
  });

  it('applies tone sandhi (3-3, 一, 不)', () => {
    expect(ph('你好')).toBe('<sil> n i2 h ao3 <sil>');
    expect(ph('一个')).toBe('<sil> i2 g e4 <sil>');
    expect(ph('不是')).toBe('<sil> b u2 sh iii4 <sil>');
  });

  it('maps zero initials, ü and apical vowels to the inventory', () => {
    expect(['wo3', 'you3', 'yu2', 'yue4', 'yi1', 'qu4', 'zi4', 'shi4', 'xuan3', 'wen2'].map((s) => {
      const x = splitSyllable(s);
      return `${x.initial ?? ''}|${x.final}${x.tone}`;
    })).toEqual(['|uo3', '|iu3', '|v2', '|ve4', '|i1', 'q|v4', 'z|ii4', 'sh|iii4', 'x|van3', '|un2']);
    expect(ph('去')).toBe('<sil> q v4 <sil>');
  });

  it('reads numbers in the language around them', () => {
    expect(englishInteger(1234567)).toBe('one million two hundred thirty four thousand five hundred sixty seven');
    expect(chineseInteger(123)).toBe('一百二十三');
    expect(chineseInteger(10)).toBe('十');
    expect(chineseInteger(1005)).toBe('一千零五');
    expect(normalizeText('我有123个')).toBe('我有一百二十三个');
    expect(normalizeText('2024年')).toBe('二零二四年');
    expect(normalizeText('增长50%了')).toBe('增长百分之五十了');
    expect(normalizeText('3.5元')).toBe('三点五元');
    expect(normalizeText('In 1999 it cost $3.5, up 50%')).toBe('In nineteen ninety nine it cost three point five dollars, up fifty percent');
    expect(normalizeText('the 2nd try')).toBe('the second try');
  });

  it('spells acronyms and pronounces unknown words by rules, with a warning', () => {
    expect(ph('GPU')).toBe('<sil> JH IY1 P IY1 Y UW1 <sil>');
    const r = textToPhonemes('Zorbalix', { symbols });
    expect(r.symbols).not.toContain('<unk>');
    expect(r.symbols.length).toBeGreaterThan(4);
    expect(r.warnings[0]).toMatch(/not in CMUdict/);
  });

  it('rejects empty or unpronounceable text with a UserError', () => {
    for (const t of ['', '   ', '!!! 。。', '\n\t']) {
      expect(() => textToPhonemes(t, { symbols })).toThrow(UserError);
      expect(() => textToPhonemes(t, { symbols })).toThrow('text is empty or has nothing to pronounce');
    }
    try {
      textToPhonemes('', { symbols });
    } catch (e) {
      expect((e as UserError).hint).toBe('give some words to speak');
    }
  });

  it('collapses repeated punctuation into one <sil>, <sp> between English words', () => {
    expect(ph('Hi!!! ... there')).toBe('<sil> HH AY1 <sil> DH EH1 R <sil>');
    expect(ph('good day')).toBe('<sil> G UH1 D <sp> D EY1 <sil>');
  });

  it('maps symbols missing from the table to <unk> with a warning', () => {
    const small = symbols.filter((s) => s !== 'OW1');
    const r = textToPhonemes('hello', { symbols: small });
    expect(r.symbols).toContain('OW1');
    expect(r.ids[r.symbols.indexOf('OW1')]).toBe(small.indexOf('<unk>'));
    expect(r.warnings.join()).toMatch(/OW1/);
  });

  it('warns about characters it cannot read instead of dropping them silently', () => {
    const r = textToPhonemes('hello мир', { symbols });
    expect(r.symbols.join(' ')).toBe('<sil> HH AH0 L OW1 <sil>');
    expect(r.warnings.join()).toMatch(/skipped/);
  });

  it('splits long text at sentence, clause and word boundaries without losing anything', () => {
    const text = 'Hello world. This is a test, of splitting! 你好世界。再见。';
    const chunks = splitSentences(text, 12, symbols);
    expect(chunks.length).toBeGreaterThan(3);
    for (const c of chunks) expect(textToPhonemes(c, { symbols }).ids.length).toBeLessThanOrEqual(12);
    const words = (t: string) => textToPhonemes(t, { symbols }).symbols.filter((s) => !s.startsWith('<'));
    expect(chunks.flatMap(words)).toEqual(words(text));
    expect(splitSentences('Hello world.', 100, symbols)).toEqual(['Hello world.']);
    expect(() => splitSentences('supercalifragilistic', 5, symbols)).toThrow(/alone needs more than 5 phonemes/);
    expect(() => splitSentences('supercalifragilistic', 5, symbols)).toThrow(UserError);
  });

  it('splitSentences keeps every character, and every chunk fits', () => {
    const text = '... Hello world. This is a test, of splitting! 你好世界。再见。 It costs 3.5 dollars, 1,000 times!! 我们明天去北京看熊猫，好不好？';
    for (const max of [16, 24, 40]) {
      const chunks = splitSentences(text, max, symbols);
      expect(chunks.length).toBeGreaterThan(1);
      expect(chunks.join('').replace(/\s/g, '')).toBe(text.replace(/\s/g, ''));
      for (const c of chunks) expect(textToPhonemes(c, { symbols }).ids.length).toBeLessThanOrEqual(max);
    }
    // a long CJK run with no punctuation is cut between characters
    const zh = '我们明天去北京看熊猫我们明天去北京看熊猫';
    const chunks = splitSentences(zh, 12, symbols);
    expect(chunks.join('')).toBe(zh);
    for (const c of chunks) expect(textToPhonemes(c, { symbols }).ids.length).toBeLessThanOrEqual(12);
    expect(() => splitSentences('  ', 12, symbols)).toThrow(UserError);
  });
});

import { describe, expect, it } from 'vitest';
import { chineseInteger, englishInteger, normalizeText } from '../../src/text/normalize.ts';

describe('normalizeText: English numbers', () => {
  it('reads integers up to billions', () => {
    expect(englishInteger(0)).toBe('zero');
    expect(englishInteger(1234567)).toBe('one million two hundred thirty four thousand five hundred sixty seven');
    expect(englishInteger(3_000_000_005)).toBe('three billion five');
    expect(normalizeText('I have 42 cats')).toBe('I have forty two cats');
    expect(normalizeText('1,000,000 stars')).toBe('one million stars');
  });
  it('reads decimals, ordinals, years, percent and dollars', () => {
    expect(normalizeText('3.5')).toBe('three point five');
    expect(normalizeText('the 1st and 22nd')).toBe('the first and twenty second');
    expect(normalizeText('In 1999 it cost $3.5, up 50%')).toBe('In nineteen ninety nine it cost three point five dollars, up fifty percent');
    expect(normalizeText('in 2005')).toBe('in two thousand five');
    expect(normalizeText('in 1905')).toBe('in nineteen oh five');
    expect(normalizeText('$1 or $3.50')).toBe('one dollar or three dollars and fifty cents');
  });
  it('keeps a comma after a number as punctuation', () => {
    expect(normalizeText('I have 5, you have 6')).toBe('I have five, you have six');
  });
  it('reads & + @ = in context', () => {
    expect(normalizeText('A & B + C')).toBe('A and B plus C');
    expect(normalizeText('me@home')).toBe('me at home');
  });
  it('applies NFKC (full-width → ASCII) and strips Latin diacritics', () => {
    expect(normalizeText('ＡＢＣ１２')).toBe('ABC twelve');
    expect(normalizeText('café')).toBe('cafe');
  });
});

describe('normalizeText: Chinese numbers', () => {
  it('reads integers as Chinese numerals', () => {
    expect(chineseInteger(123)).toBe('一百二十三');
    expect(chineseInteger(10)).toBe('十');
    expect(chineseInteger(1005)).toBe('一千零五');
    expect(chineseInteger(20000)).toBe('二万');
    expect(normalizeText('我有123个')).toBe('我有一百二十三个');
    expect(normalizeText('有10个')).toBe('有十个');
  });
  it('reads years digit by digit, decimals with 点, percent with 百分之', () => {
    expect(normalizeText('2024年')).toBe('二零二四年');
    expect(normalizeText('3.5元')).toBe('三点五元');
    expect(normalizeText('增长50%了')).toBe('增长百分之五十了');
  });
  it('reads symbols in Chinese next to CJK', () => {
    expect(normalizeText('你&我')).toBe('你和我');
  });
});

import { describe, expect, it } from 'vitest';
import { chineseInteger, englishInteger, englishOrdinal, englishYear, normalizeText } from '../../src/text/normalize.ts';

describe('normalizeText: English numbers', () => {
  it('reads integers up to trillions', () => {
    expect(englishInteger(0)).toBe('zero');
    expect(englishInteger(1234567)).toBe('one million two hundred thirty four thousand five hundred sixty seven');
    expect(englishInteger(3_000_000_005)).toBe('three billion five');
    expect(normalizeText('I have 42 cats')).toBe('I have forty two cats');
    expect(normalizeText('1,000,000 stars')).toBe('one million stars');
    expect(normalizeText('agent 007')).toBe('agent zero zero seven');
  });
  it('reads decimals, ordinals, years, percent and money', () => {
    expect(normalizeText('3.5')).toBe('three point five');
    expect(normalizeText('the 1st and 22nd')).toBe('the first and twenty second');
    expect(englishOrdinal(40)).toBe('fortieth');
    expect(englishYear(1999)).toBe('nineteen ninety nine');
    expect(normalizeText('In 1999 it cost $3.5, up 50%')).toBe('In nineteen ninety nine it cost three point five dollars, up fifty percent');
    expect(normalizeText('in 2005')).toBe('in two thousand five');
    expect(normalizeText('in 1905')).toBe('in nineteen oh five');
    expect(normalizeText('$1 or $3.50')).toBe('one dollar or three dollars and fifty cents');
    expect(normalizeText('¥100 or €2.50 or £1')).toBe('one hundred yuan or two euros and fifty cents or one pound');
    expect(normalizeText('-5 to 3~5')).toBe('minus five to three to five');
  });
  it('reads times', () => {
    expect(normalizeText('at 3:30.')).toBe('at three thirty.');
    expect(normalizeText('at 3:05 pm')).toBe('at three oh five pm');
    expect(normalizeText('at 12:00')).toBe("at twelve o'clock");
    expect(normalizeText('10:15:30')).toBe('ten fifteen and thirty seconds');
    expect(normalizeText('score 99:99')).toBe('score ninety nine: ninety nine'); // not a clock time
  });
  it('keeps a comma after a number as punctuation', () => {
    expect(normalizeText('I have 5, you have 6')).toBe('I have five, you have six');
  });
  it('reads & + @ = # × in context', () => {
    expect(normalizeText('A & B + C = D')).toBe('A and B plus C equals D');
    expect(normalizeText('me@home')).toBe('me at home');
    expect(normalizeText('#1 fan, 2×3')).toBe('number one fan, two times three');
  });
  it('applies NFKC (full-width → ASCII), strips Latin diacritics, collapses whitespace', () => {
    expect(normalizeText('ＡＢＣ１２')).toBe('ABC twelve');
    expect(normalizeText('café  \n naïve\t')).toBe('cafe naive');
    expect(normalizeText('你好，世界！')).toBe('你好,世界!');
  });
});

describe('normalizeText: Chinese numbers', () => {
  it('reads integers as Chinese numerals', () => {
    expect(chineseInteger(123)).toBe('一百二十三');
    expect(chineseInteger(10)).toBe('十');
    expect(chineseInteger(110)).toBe('一百一十');
    expect(chineseInteger(1005)).toBe('一千零五');
    expect(chineseInteger(20000)).toBe('二万');
    expect(chineseInteger(100_000_001)).toBe('一亿零一');
    expect(normalizeText('我有123个')).toBe('我有一百二十三个');
    expect(normalizeText('我有 123 个')).toBe('我有 一百二十三 个');
    expect(normalizeText('有10个')).toBe('有十个');
  });
  it('reads 4-digit years digit by digit, durations as numbers, 2 before a measure word as 两', () => {
    expect(normalizeText('2024年')).toBe('二零二四年');
    expect(normalizeText('10年前')).toBe('十年前');
    expect(normalizeText('我有2个苹果')).toBe('我有两个苹果');
    expect(normalizeText('第2名')).toBe('第二名');
  });
  it('reads decimals with 点, percent with 百分之, money, times, negatives and ranges', () => {
    expect(normalizeText('3.5元')).toBe('三点五元');
    expect(normalizeText('增长50%了')).toBe('增长百分之五十了');
    expect(normalizeText('增长3.5%')).toBe('增长百分之三点五');
    expect(normalizeText('花了¥100')).toBe('花了一百元');
    expect(normalizeText('价格$5')).toBe('价格五美元');
    expect(normalizeText('会议在3:30开始')).toBe('会议在三点三十分开始');
    expect(normalizeText('会议2:05开始')).toBe('会议两点零五分开始');
    expect(normalizeText('零下-5度')).toBe('零下负五度');
    expect(normalizeText('3~5天')).toBe('三到五天');
  });
  it('reads symbols in Chinese next to CJK', () => {
    expect(normalizeText('你&我')).toBe('你和我');
    expect(normalizeText('一+一=二')).toBe('一加一等于二');
    expect(normalizeText('温度25°')).toBe('温度二十五度');
  });
});

describe('normalizeText: language option', () => {
  it('forces the reading of numbers and symbols', () => {
    expect(normalizeText('123', { language: 'zh' })).toBe('一百二十三');
    expect(normalizeText('我有123', { language: 'en' })).toBe('我有 one hundred twenty three');
    expect(normalizeText('50%', { language: 'zh' })).toBe('百分之五十');
    expect(normalizeText('50%', { language: 'auto' })).toBe('fifty percent');
  });
});

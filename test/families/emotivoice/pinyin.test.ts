// pypinyin's segmentation and lookup over the pinyin table; the bundled table's agreement with
// pypinyin itself is in the goldens (frontend.test.ts).
import { describe, expect, it } from 'vitest';
import { BUNDLED_PINYIN, loadPinyinTable } from '../../../src/families/emotivoice/frontend.ts';
import { cutPhrases, parsePinyinTable, wordReadings } from '../../../src/families/emotivoice/pinyin.ts';

// A table made for this test: 长大 and 大人物 are phrases, 大人 only a prefix of one.
const TINY = parsePinyinTable(
  ['# test', '@chars', '长\tchang2', '大\tda4', '人\tren2', '物\twu4', '行\txing2', '@phrases', '长大\tzhang3 da4', '大人物\t', '行长\thang2 zhang3'].join('\n'),
);

describe("pypinyin's forward maximum matching (no non-phrases)", () => {
  it('takes the longest phrase, then starts again after it', () => {
    expect(cutPhrases(TINY, '长大人')).toEqual(['长大', '人']);
    expect(cutPhrases(TINY, '大人物长大')).toEqual(['大人物', '长大']);
  });

  it('cuts a grown prefix that is no phrase into characters, restarting one character on', () => {
    // 大人 is a prefix of 大人物 but no phrase: 大 alone, then 人 starts again.
    expect(cutPhrases(TINY, '大人长')).toEqual(['大', '人', '长']);
    // the whole rest is a prefix chain but no phrase: every character alone, even where a phrase hides
    expect(cutPhrases(TINY, '大人')).toEqual(['大', '人']);
  });

  it('reads phrase pieces from the phrase, others from the characters', () => {
    const r = wordReadings(TINY, '行长大');
    expect(r.map((x) => x.pinyin)).toEqual(['hang2', 'zhang3', 'da4']);
    expect(r.map((x) => x.from)).toEqual(['phrase', 'phrase', 'char']);
    expect(wordReadings(TINY, '大人物').map((x) => x.pinyin)).toEqual(['da4', 'ren2', 'wu4']); // empty reading: the characters'
  });

  it('refuses a malformed table', () => {
    expect(() => parsePinyinTable('@chars\n长 chang2\n@phrases\n长大\t')).toThrow(/line 2/);
    expect(() => parsePinyinTable('@chars\n长\tchang2\n@phrases\n长大\tzhang3')).toThrow(/1 readings for 2 characters/);
  });
});

describe('the bundled table (pypinyin 0.49.0 + pypinyin-dict 0.7.0)', () => {
  const table = loadPinyinTable(BUNDLED_PINYIN);
  it('says what made it and reads polyphones in context as pypinyin does', () => {
    expect(table.about[0]).toMatch(/pypinyin 0\.49\.0, pypinyin-dict 0\.7\.0/);
    const read = (w: string) => wordReadings(table, w).map((x) => x.pinyin).join(' ');
    expect(read('银行')).toBe('yin2 hang2');
    expect(read('行走')).toBe('xing2 zou3');
    expect(read('银行行长')).toBe('yin2 xing2 xing2 zhang3'); // a prefix of a longer phrase, so per character
    expect(read('一个')).toBe('yi2 ge4'); // the only 一 sandhi EmotiVoice gets: a phrase entry's
    expect(read('你好')).toBe('ni3 hao3'); // no third-tone sandhi
    expect(read('东西')).toBe('dong1 xi1');
    expect(table.chars.size).toBe(20892);
    expect(table.phrases.size).toBeGreaterThan(130_000);
  });
});

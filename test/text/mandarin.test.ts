import { describe, expect, it } from 'vitest';
import { textToPhonemes } from '../../src/text/frontend.ts';
import { mandarinSyllables, splitSyllable, syllableSymbols } from '../../src/text/mandarin.ts';
import { SYMBOLS } from './symbols.ts';

const ph = (t: string) => textToPhonemes(t, { symbols: SYMBOLS }).symbols.join(' ');
const syl = (t: string) => mandarinSyllables(t).map((s) => syllableSymbols(s).join(' ')).join(' | ');

describe('mandarin', () => {
  it('applies tone sandhi: 3-3 (ours), 一 and 不 (pinyin-pro)', () => {
    expect(ph('你好')).toBe('<sil> n i2 h ao3 <sil>');
    expect(ph('一个')).toBe('<sil> i2 g e4 <sil>');
    expect(ph('不是')).toBe('<sil> b u2 sh iii4 <sil>');
    expect(syl('不对')).toBe('b u2 | d ui4');
    expect(syl('一天')).toBe('i4 | t ian1');
    expect(syl('第一')).toBe('d i4 | i1');
    expect(syl('我很好')).toBe('uo2 | h en2 | h ao3'); // left to right on pairs
    expect(syl('展览馆')).toBe('zh an2 | l an2 | g uan3');
  });

  it('maps neutral tone 0 → 5', () => {
    expect(syl('看一看')).toBe('k an4 | i5 | k an4');
    expect(syl('他们的')).toBe('t a1 | m en5 | d e5');
  });

  it('reads polyphones in context', () => {
    expect(syl('银行')).toBe('in2 | h ang2');
    expect(syl('行走')).toBe('x ing2 | z ou3');
  });

  it('writes zero-initial syllables as full finals', () => {
    expect(ph('我')).toBe('<sil> uo3 <sil>');
    expect(ph('有')).toBe('<sil> iu3 <sil>');
    expect(ph('鱼')).toBe('<sil> v2 <sil>');
    expect(ph('月')).toBe('<sil> ve4 <sil>');
    expect(ph('一')).toBe('<sil> i1 <sil>');
    expect(syl('远')).toBe('van3');
    expect(syl('云')).toBe('vn2');
    expect(syl('问')).toBe('un4');
    expect(syl('为')).toMatch(/^ui[24]$/);
  });

  it('maps ü, apical and retroflex vowels', () => {
    expect(ph('去')).toBe('<sil> q v4 <sil>');
    expect(ph('字')).toBe('<sil> z ii4 <sil>');
    expect(ph('是')).toBe('<sil> sh iii4 <sil>');
    expect(ph('女')).toBe('<sil> n v3 <sil>');
    expect(['ju1', 'que4', 'xuan3', 'jun1', 'lüe4', 'ri4', 'chi1', 'si1', 'wen2', 'yuan2', 'yun2', 'weng1', 'liu2', 'gui4', 'lun2', 'er2', 'ci2'].map((s) => {
      const x = splitSyllable(s);
      return `${x.initial ?? ''}|${x.final}${x.tone}`;
    })).toEqual(['j|v1', 'q|ve4', 'x|van3', 'j|vn1', 'l|ve4', 'r|iii4', 'ch|iii1', 's|ii1', '|un2', '|van2', '|vn2', '|ueng1', 'l|iu2', 'g|ui4', 'l|un2', '|er2', 'c|ii2']);
  });

  it('reads erhua 儿 as its own neutral-tone er5, but keeps lexical 儿 full', () => {
    expect(syl('哪儿')).toBe('n a3 | er5');
    expect(syl('一点儿')).toBe('i4 | d ian3 | er5');
    expect(ph('小孩儿')).toBe('<sil> x iao3 h ai2 er5 <sil>'); // joins the word before it
    expect(syl('女儿')).toBe('n v3 | er2');
    expect(syl('我的儿子')).toBe('uo3 | d e5 | er2 | z ii5');
    expect(syl('儿')).toBe('er2');
  });

  it('yields only inventory symbols for a varied sentence', () => {
    const r = textToPhonemes('我们明天去北京看熊猫，好不好？女儿说：“一定要去！”', { symbols: SYMBOLS });
    expect(r.warnings).toEqual([]);
    expect(r.symbols).not.toContain('<unk>');
  });
});

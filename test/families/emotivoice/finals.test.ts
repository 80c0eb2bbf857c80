import { describe, expect, it } from 'vitest';
import { splitSyllable } from '../../../src/families/emotivoice/finals.ts';

const split = (py: string) => {
  const s = splitSyllable(py);
  return s && [s.initial, s.final].filter(Boolean).join(' ');
};

describe("EmotiVoice's finals naming (frontend_cn.py split_py)", () => {
  it('gives the apical vowels finals of their own', () => {
    expect(split('zi3')).toBe('z ii3');
    expect(split('ri4')).toBe('r ii4');
    expect(split('zhi1')).toBe('zh iii1');
    expect(split('shi5')).toBe('sh iii5');
  });

  it('folds y and w into the finals, and ü after j/q/x', () => {
    expect(split('ya1')).toBe('ia1');
    expect(split('you3')).toBe('iou3');
    expect(split('yi2')).toBe('i2');
    expect(split('ying1')).toBe('ing1');
    expect(split('yuan2')).toBe('van2');
    expect(split('yun4')).toBe('vn4');
    expect(split('wu3')).toBe('u3');
    expect(split('wei4')).toBe('uei4');
    expect(split('ju4')).toBe('j v4');
    expect(split('quan2')).toBe('q van2');
    expect(split('lv4')).toBe('l v4');
    expect(split('lve4')).toBe('l ve4');
  });

  it('restores the spelled-out finals ui iu un ue', () => {
    expect(split('gui4')).toBe('g uei4');
    expect(split('liu2')).toBe('l iou2');
    expect(split('lun2')).toBe('l uen2');
    expect(split('nue4')).toBe('n ve4');
  });

  it('keeps EmotiVoice\'s quirks: yue splits as y + ve, m/n/ng get an e, erhua r stays on the final', () => {
    expect(split('yue4')).toBe('y ve4');
    expect(split('n2')).toBe('en2');
    expect(split('ng5')).toBe('eng5');
    expect(split('m2')).toBe('em2');
    expect(split('er2')).toBe('er2');
    expect(split('nar3')).toBe('n ar3');
    expect(split('dianr3')).toBe('d ianr3');
    expect(split('yuanr2')).toBe('vanr2');
  });

  it('returns null where EmotiVoice\'s code would fail (no vowel)', () => {
    expect(splitSyllable('hm5')).toBeNull();
    expect(splitSyllable('5')).toBeNull();
  });
});

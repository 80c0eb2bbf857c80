// The Chinese side of EmotiVoice's frontend (frontend_cn.py g2p_cn), reproduced from reading it:
//   - the part is cut into words by jieba (default dictionary, HMM on), given here as `cut`;
//   - each word's characters get pypinyin's TONE3 readings (pinyin.ts), split into EmotiVoice's initial
//     and final tokens (finals.ts); the syllables of a word are joined by sp0, and sp1 follows each word;
//   - a punctuation mark (the full-width marks, quotes, brackets, — … 、) REPLACES the sp1 before it by
//     sp3, so "你好，世界" is n i3 sp0 h ao3 sp3 sh iii4 sp0 j ie4, and several marks make one sp3;
//   - spaces are skipped.
// EmotiVoice wraps the part in <sos/eos> and its caller strips the first and last token again; that is
// reproduced too, since a part that began with a mark would lose the sp3 it made. Pure.
import { splitSyllable } from './finals.ts';
import { wordReadings, type PinyinTable } from './pinyin.ts';

// frontend_cn.py's chinese_punctuation_pattern, and Python's string.punctuation (tested as a substring,
// as EmotiVoice's `text in string.punctuation` does).
const CHINESE_PUNCT = /[\u3002\uff0c\uff1f\uff01\uff1b\uff1a\u201c\u201d\u2018\u2019\u300a\u300b\u3008\u3009\u3010\u3011\u300e\u300f\u2014\u2026\u3001\uff08\uff09]/u;
const ASCII_PUNCT = '!"#$%&\'()*+,-./:;<=>?@[\\]^_`{|}~';
const HAN = /^[\u4e00-\u9fa5]+$/u;

export interface ChineseWord {
  /** the jieba word */
  text: string;
  /** per character: TONE3 pinyin and where it came from ('phrase': a pypinyin phrase entry) */
  pinyin: { char: string; pinyin: string | null; from: 'phrase' | 'char' }[];
  tokens: string[];
  /** characters EmotiVoice cannot read (no pinyin, or a syllable it cannot split): left out, with a warning */
  unread: string[];
}

export interface ChineseResult {
  tokens: string[];
  words: ChineseWord[];
}

export function chinesePart(part: string, cut: (text: string) => string[], table: PinyinTable): ChineseResult {
  const seq = ['<sos/eos>'];
  const words: ChineseWord[] = [];
  for (const seg of cut(part)) {
    if (seg === ' ') continue;
    if (!HAN.test(seg)) {
      // pypinyin returns a non-Chinese run as it is; EmotiVoice tests it for punctuation.
      if (CHINESE_PUNCT.test(seg) || ASCII_PUNCT.includes(seg)) {
        seq.pop();
        seq.push('sp3');
        words.push({ text: seg, pinyin: [], tokens: ['sp3'], unread: [] });
      } else words.push({ text: seg, pinyin: [], tokens: [], unread: seg.trim() ? [seg] : [] });
      continue;
    }
    const readings = wordReadings(table, seg);
    const syllables: string[][] = [];
    const unread: string[] = [];
    for (const r of readings) {
      const s = r.pinyin === null ? null : splitSyllable(r.pinyin);
      if (!s) unread.push(r.char);
      else syllables.push(s.initial ? [s.initial, s.final] : [s.final]);
    }
    const tokens = syllables.flatMap((s, i) => (i ? ['sp0', ...s] : s));
    if (tokens.length) {
      seq.push(...tokens, 'sp1');
      tokens.push('sp1');
    }
    words.push({ text: seg, pinyin: readings.map(({ char, pinyin, from }) => ({ char, pinyin, from })), tokens, unread });
  }
  seq.push('<sos/eos>');
  return { tokens: seq.slice(1, -1), words };
}
